#!/bin/sh
# pg_store.sh PROGRAM [ARGS...] - runs the store's database tests (or its benchmark) against a
# real PostgreSQL server.
#
# Installs the server from Debian when it is missing (as root, or through sudo without a
# password), starts a throwaway cluster listening only on 127.0.0.1 at a free port with its
# files in a temporary folder, runs PROGRAM ARGS with PARLEY_TEST_PG set to it, then stops
# the server and removes the folder. Exit status: the test's, or 77 (skipped) with a
# message when no server can be installed or started.
set -eu

bin=$1
shift
say() { printf 'pg_store: %s\n' "$*" >&2; }

pgbin() { find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo "$@"
    else
        return 1
    fi
}

dir=$(pgbin)
if [ -z "$dir" ]; then
    say "PostgreSQL is not installed; installing postgresql from Debian"
    if ! command -v apt-get >/dev/null 2>&1; then
        say "SKIPPED: no apt-get here; install PostgreSQL to run these tests"
        exit 77
    fi
    # Only the files: no cluster is started at install time (policy-rc.d says no).
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ] && as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'; then
        made_policy=1
    fi
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || true
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 || true
    fi
    if [ "$made_policy" = 1 ]; then
        as_root rm -f /usr/sbin/policy-rc.d
    fi
    dir=$(pgbin)
    if [ -z "$dir" ]; then
        say "SKIPPED: PostgreSQL could not be installed (not root and no sudo, or no package)"
        exit 77
    fi
fi

# The server refuses to run as root: use the postgres account (or nobody) then.
run_pg() { "$@"; }
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
    owner=postgres
    id postgres >/dev/null 2>&1 || owner=nobody
    run_pg() { runuser -u "$owner" -- "$@"; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-pg.XXXXXX")
chmod 755 "$tmp"
[ "$(id -u)" = 0 ] && chown "$owner" "$tmp"
cleanup() {
    run_pg "$dir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if ! run_pg "$dir/initdb" -D "$tmp/data" -A trust -U parley -E UTF8 --no-sync >"$tmp/initdb.log" 2>&1; then
    cat "$tmp/initdb.log" >&2
    say "SKIPPED: initdb failed"
    exit 77
fi
started=0
for try in 1 2 3 4 5; do
    port=$((20000 + ($$ * 7 + try * 131) % 30000))
    if run_pg "$dir/pg_ctl" -D "$tmp/data" -w -t 30 -l "$tmp/server.log" \
        -o "-h 127.0.0.1 -p $port -k $tmp -F" start >/dev/null 2>&1; then
        started=1
        break
    fi
done
if [ "$started" = 0 ]; then
    cat "$tmp/server.log" >&2 || true
    say "SKIPPED: the server would not start"
    exit 77
fi
"$dir/createdb" -h 127.0.0.1 -p "$port" -U parley parley
say "$("$dir/postgres" --version) on 127.0.0.1:$port"
PARLEY_TEST_PG="host=127.0.0.1 port=$port dbname=parley user=parley" "$bin" "$@"
