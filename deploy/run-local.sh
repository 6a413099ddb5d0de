#!/bin/sh
# run-local.sh - run parley's three daemons on this machine until Ctrl-C.
#
# Usage: deploy/run-local.sh BIN_DIR
#
# What `make run` starts until `parley up` exists. It makes a temporary folder, writes a
# config for each daemon that puts every endpoint on ipc:// inside that folder (so it never
# collides with ports already in use), and starts parley-store, parley-fetcher and one
# parley-extractor in the background, their log lines going to this terminal. Ctrl-C or
# SIGTERM stops them with SIGTERM; the script waits for each, reports its exit status and
# removes the folder. It stops too when a daemon exits by itself.
#
# PARLEY_RUN_SECONDS=N stops it after N seconds, for use without a terminal.
#
# Exit status: 0 when every daemon exited 0, 1 when one did not, 64 usage, 69 a program is
# missing, 70 the temporary folder could not be made.
set -eu

prog=run-local
daemons="store fetcher extractor"

say() {
    printf '%s: %s\n' "$prog" "$*" >&2
}

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    echo "usage: $0 BIN_DIR   (the folder holding parley-store, parley-fetcher, parley-extractor)" >&2
    exit 64
fi
bin=$1
for d in $daemons; do
    if [ ! -x "$bin/parley-$d" ]; then
        say "'$bin/parley-$d' is missing or not executable (build first: make build)"
        exit 69
    fi
done

seconds=${PARLEY_RUN_SECONDS:-}
case $seconds in
'') ;;
*[!0-9]*)
    say "PARLEY_RUN_SECONDS must be a whole number of seconds, not '$seconds'"
    exit 64
    ;;
esac

# An ipc:// path must fit in 107 bytes, and it goes into libconfig strings unquoted: fall
# back to /tmp when TMPDIR is long or holds a quote or backslash.
tmp=${TMPDIR:-/tmp}
case $tmp in
*'"'* | *\\*) tmp=/tmp ;;
esac
if [ ${#tmp} -gt 60 ]; then
    tmp=/tmp
fi
dir=$(mktemp -d "$tmp/parley-run.XXXXXX") || {
    say "cannot make a temporary folder under '$tmp'"
    exit 70
}

store_pid=
fetcher_pid=
extractor_pid=

# Whatever happens, leave no daemon running and no folder behind. (Called from the EXIT
# trap, which shellcheck cannot see.)
# shellcheck disable=SC2317
cleanup() {
    for pid in $store_pid $fetcher_pid $extractor_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT

work="ipc://$dir/work.sock"
ingest="ipc://$dir/ingest.sock"
live="ipc://$dir/live.sock"
replay="ipc://$dir/replay.sock"

cat >"$dir/store.cfg" <<EOF
ingest = { bind = "$ingest"; };
live = { bind = "$live"; };
replay = { bind = "$replay"; };
store = { data_dir = "$dir"; };
EOF
# debug: the fetcher logs each READY it receives, the one sign of life there is so far.
cat >"$dir/fetcher.cfg" <<EOF
log = { level = "debug"; };
work = { bind = "$work"; };
EOF
cat >"$dir/extractor.cfg" <<EOF
work = { connect = "$work"; };
ingest = { connect = "$ingest"; };
EOF

stop=0
trap 'stop=1' INT TERM

# Waits about a second; a trapped signal cuts it short.
pause() {
    sleep 1 &
    wait $! 2>/dev/null || true
}

# True while the daemon with this pid has not exited.
alive() {
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

"$bin/parley-store" -c "$dir/store.cfg" &
store_pid=$!
"$bin/parley-fetcher" -c "$dir/fetcher.cfg" &
fetcher_pid=$!

# The extractor would connect and retry anyway; waiting (at most 5 s) for the two sockets
# to exist only keeps the log in a readable order. POSIX sleep takes whole seconds; most
# take fractions too.
tries=0
while [ $stop -eq 0 ] && [ $tries -lt 50 ] && { [ ! -S "$dir/work.sock" ] || [ ! -S "$dir/ingest.sock" ]; }; do
    if ! alive "$store_pid" || ! alive "$fetcher_pid"; then
        break
    fi
    sleep 0.1 2>/dev/null || sleep 1
    tries=$((tries + 1))
done

if [ $stop -eq 0 ] && alive "$store_pid" && alive "$fetcher_pid"; then
    "$bin/parley-extractor" -c "$dir/extractor.cfg" &
    extractor_pid=$!
    limit="Stop with Ctrl-C."
    if [ -n "$seconds" ]; then
        limit="Stops by itself after $seconds s (PARLEY_RUN_SECONDS), or with Ctrl-C."
    fi
    cat <<EOF

parley, local run
  What works so far: the store, the fetcher and one extractor start and connect, and the
  extractor's READY reaches the fetcher (it logs "extractor ready"). Article sources,
  extraction and the database come later, so no events appear yet.
  Endpoints:
    fetcher work    $work
    store ingest    $ingest
    store live      $live
    store replay    $replay
  $limit

EOF
fi

# Run until a signal, the time limit, or a daemon that exits by itself.
elapsed=0
while [ $stop -eq 0 ]; do
    if [ -n "$seconds" ] && [ "$elapsed" -ge "$seconds" ]; then
        break
    fi
    gone=
    for d in $daemons; do
        eval "pid=\$${d}_pid"
        if [ -n "$pid" ] && ! alive "$pid"; then
            gone="$gone parley-$d"
        fi
    done
    if [ -n "$gone" ]; then
        say "exited by itself:$gone; stopping the others"
        break
    fi
    pause
    elapsed=$((elapsed + 1))
done

# A second Ctrl-C must not cut the waits short: the daemons get it too and are stopping.
trap '' INT TERM
say "stopping"
for pid in $extractor_pid $fetcher_pid $store_pid; do
    kill -TERM "$pid" 2>/dev/null || true
done
status=0
for d in extractor fetcher store; do
    eval "pid=\$${d}_pid"
    if [ -z "$pid" ]; then
        say "parley-$d was not started"
        status=1
        continue
    fi
    if wait "$pid"; then
        code=0
    else
        code=$?
    fi
    eval "${d}_pid="
    if [ "$code" -eq 0 ]; then
        say "parley-$d exited 0"
    elif [ "$code" -gt 128 ]; then
        say "parley-$d exited $code (killed by signal $((code - 128)))"
        status=1
    else
        say "parley-$d exited $code"
        status=1
    fi
done
exit $status
