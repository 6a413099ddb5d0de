#!/bin/sh
# up_supervise.sh PARLEY GEN_CORPUS - parley up keeps its daemons running.
#
# Runs `parley up --extractors 2` (not --once) on a generated folder; kills one extractor
# with SIGKILL and expects parley up to report it and start it again; checks that both
# extractors were given work (their own counters), that every article is done, then sends
# SIGTERM to parley up, which must stop every daemon and exit 0 within 20 s.
set -eu
parley=$1
gen=$2
tmp=$(mktemp -d /tmp/parley-upsv.XXXXXX)
up=''
cleanup() {
    if [ -n "$up" ]; then
        kill -9 "$up" 2>/dev/null || true
    fi
    pkill -9 -f "$tmp" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
unset PARLEY_CONFIG PARLEY_DATA
n=400
"$gen" --articles $n --seed 3 "$tmp/in"
# TMPDIR puts this parley up's run folder (sockets, configs) under $tmp, so the daemons found
# below are its own and not those of another test running at the same time
TMPDIR=$tmp "$parley" up --extractors 2 --data "$tmp/data" --format jsonl "$tmp/in" \
    >"$tmp/events" 2>"$tmp/up.log" &
up=$!

# waits (up to $2 s) for a line matching $1 in parley up's stderr
wait_log() {
    t=0
    while ! grep -q "$1" "$tmp/up.log" 2>/dev/null; do
        if [ $t -ge $(($2 * 10)) ]; then
            echo "up_supervise: no '$1' in parley up's output after $2 s:" >&2
            cat "$tmp/up.log" >&2
            exit 1
        fi
        sleep 0.1
        t=$((t + 1))
    done
}
wait_log "articles $n done" 120

# the run folder of this parley up holds the extractors' config
victim=$(pgrep -f "parley-extractor -c $tmp/parley-up\..*/extractor.cfg" | head -1)
if [ -z "$victim" ]; then
    echo "up_supervise: no extractor running" >&2
    exit 1
fi
kill -9 "$victim"
wait_log "exited with status 137; restarting it" 10
t=0
while [ "$(pgrep -fc "parley-extractor -c $tmp/parley-up\..*/extractor.cfg")" -lt 2 ]; do
    if [ $t -ge 100 ]; then
        echo "up_supervise: the killed extractor was not started again" >&2
        cat "$tmp/up.log" >&2
        exit 1
    fi
    sleep 0.1
    t=$((t + 1))
done

kill -TERM "$up"
t=0
while kill -0 "$up" 2>/dev/null; do
    if [ $t -ge 200 ]; then
        echo "up_supervise: parley up still running 20 s after SIGTERM" >&2
        exit 1
    fi
    sleep 0.1
    t=$((t + 1))
done
if ! wait "$up"; then
    echo "up_supervise: parley up did not exit 0 after SIGTERM:" >&2
    cat "$tmp/up.log" >&2
    exit 1
fi
up=''
if pgrep -f "parley-(store|fetcher|extractor) -c $tmp/parley-up\." >/dev/null; then
    echo "up_supervise: daemons left running after parley up stopped" >&2
    exit 1
fi
# both extractors had work: the fetcher's lines per extractor, at its stop (the killed one
# is still known if it died less than worker_timeout_ms before) or when it forgot one
busy=$(grep -E "extractor (worker|gone worker)=" "$tmp/data/logs/fetcher.log" |
    sed -n 's/.*worker=\([^ ]*\).* tasks=\([0-9]*\).*/\1 \2/p' |
    awk '$2 > 0 { seen[$1] = 1 } END { n = 0; for (k in seen) n++; print n }')
if [ "$busy" -lt 2 ]; then
    echo "up_supervise: only $busy extractor(s) were given work" >&2
    grep -E "extractor (worker|gone)" "$tmp/data/logs/fetcher.log" >&2 || true
    exit 1
fi
echo "up_supervise: $busy extractors were given work"
echo "up_supervise: ok"
