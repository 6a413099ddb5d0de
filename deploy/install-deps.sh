#!/bin/sh
# install-deps.sh - install the Debian packages parley needs to build and test.
#
# Idempotent: packages already installed are left alone, and nothing is done
# when everything is present. Runs as root, or through sudo when it is not.
# On a system without apt it prints what to install by hand and exits 69.
#
# Usage: deploy/install-deps.sh [--check] [--quiet]
#   --check   only report what is missing (exit 1 if anything is)
#   --quiet   say nothing when everything is installed (what make uses)
set -eu

# One package per line: the Debian package, then what it provides to the build.
PACKAGES="
cmake              build system (3.25 or newer)
make               top-level wrapper
gcc                default compiler
clang              fuzz targets (libFuzzer) and the second compiler in CI
libclang-rt-14-dev sanitizer and libFuzzer runtimes for clang
clang-format       formatting check
cppcheck           static analysis in the lint
shellcheck         shell script analysis in the lint
pkg-config         locates the libraries below
libzmq3-dev        ZeroMQ transport (libzmq)
libmsgpack-dev     MessagePack codec (msgpack-c)
libconfig-dev      configuration files (libconfig)
libcmocka-dev      unit tests (cmocka)
libsodium-dev      BLAKE2b ids and CURVE keys (libsodium)
libsqlite3-dev     embedded store and outbox (SQLite)
libpq-dev          the store's PostgreSQL backend (libpq)
libutf8proc-dev    Unicode normalisation for matching names (utf8proc)
libcurl4-openssl-dev  the fetcher's HTTP client (libcurl)
libxml2-dev        the fetcher's HTML and RSS/Atom parsing (libxml2)
python3            scoring the seed extraction, the test HTTP server
docker-compose     checking docker-compose.yml (no engine needed)
procps             pgrep/pkill in the parley up supervision test
"

names=$(printf '%s\n' "$PACKAGES" | awk 'NF { print $1 }')
check=0
quiet=0
for arg in "$@"; do
    case $arg in
    --check) check=1 ;;
    --quiet) quiet=1 ;;
    *) echo "usage: $0 [--check] [--quiet]" >&2; exit 64 ;;
    esac
done

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    # Not Debian: accept what is there if the build can find it.
    if command -v pkg-config >/dev/null 2>&1 &&
        pkg-config --exists libzmq msgpack libconfig cmocka libsodium sqlite3 libpq libcurl libxml-2.0 &&
        command -v cmake >/dev/null 2>&1 && command -v cc >/dev/null 2>&1; then
        exit 0
    fi
    cat >&2 <<MSG
install-deps: this system has no apt-get; install these by hand, then run make again:
$(printf '%s\n' "$PACKAGES" | awk 'NF { printf "  %-16s %s\n", $1, substr($0, index($0, $2)) }')
  (names are Debian's; on Fedora, for example: zeromq-devel msgpack-devel
   libconfig-devel libcmocka-devel libsodium-devel sqlite-devel libpq-devel)
MSG
    exit 69
fi

# One query for all: the packages dpkg reports as installed, then the rest of the list.
# shellcheck disable=SC2086
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' $names 2>/dev/null |
    awk '$NF == "installed" && $(NF-1) == "ok" { sub(/:.*/, "", $1); printf "%s ", $1 }')"
missing=""
for p in $names; do
    case $installed in
    *" $p "*) ;;
    *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    [ "$quiet" = 1 ] || echo "install-deps: all build dependencies are installed"
    exit 0
fi

if [ "$check" = 1 ]; then
    echo "install-deps: missing:$missing"
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: not root and no sudo; as root run: apt-get install -y$missing" >&2
    exit 77
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when an install fails on stale ones, or when
# there are none at all (a fresh container).
if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | grep -q .; then
    $SUDO apt-get update -q
fi
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q --no-install-recommends $missing; then
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $missing
fi
echo "install-deps: done"
