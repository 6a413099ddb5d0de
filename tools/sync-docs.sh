#!/bin/sh
# sync-docs.sh [--check] BUILD_DIR - rewrites the generated blocks of the docs from the
# programs that own the facts (schemas, config tables), or with --check fails when a block
# is out of date. A block is the text between
#   <!-- BEGIN GENERATED: NAME -->   and   <!-- END GENERATED: NAME -->
set -eu
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# block FILE NAME COMMAND...
block() {
    file=$1 name=$2
    shift 2
    "$@" >"$tmp/gen"
    awk -v gen="$tmp/gen" -v name="$name" '
        $0 ~ "<!-- BEGIN GENERATED: " name " -->" {
            print; while ((getline line < gen) > 0) print line; skip = 1; found = 1; next }
        $0 ~ "<!-- END GENERATED: " name " -->" { skip = 0 }
        !skip { print }
        END { if (!found) exit 3 }
    ' "$top/$file" >"$tmp/new" || { echo "$file: no block '$name'" >&2; exit 1; }
    if [ "$check" = 1 ]; then
        if ! cmp -s "$top/$file" "$tmp/new"; then
            echo "$file: block '$name' is out of date; run: make docs" >&2
            diff -u "$top/$file" "$tmp/new" | head -30 >&2
            status=1
        fi
    elif ! cmp -s "$top/$file" "$tmp/new"; then
        cp "$tmp/new" "$top/$file"
        echo "updated $file ($name)"
    fi
}

block proto/README.md schemas "$build/tests/unit/proto_doc"
block README.md config-fetcher "$build/bin/parley-fetcher" -K
block README.md config-extractor "$build/bin/parley-extractor" -K
block README.md config-store "$build/bin/parley-store" -K

[ "$status" = 0 ] && [ "$check" = 1 ] && echo "docs match the code"
exit $status
