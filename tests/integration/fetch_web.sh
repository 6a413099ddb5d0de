#!/bin/sh
# fetch_web.sh PARLEY SERVER - web pages and feeds through the whole pipeline.
#
# Starts tests/data/http_server.py on a loopback port and runs `parley up --once` (store,
# fetcher, extractor) on its URLs: an RSS feed whose items link to two pages and to one that
# is gone, an Atom feed linking to the same pages, a page, a redirect to a page the feed has
# already given, a gzip page, a Windows-1251 page, and failures - 404, 500 (retried), a
# redirect loop, a 20 MB body over the cap, a response slower than the timeout, a path
# robots.txt forbids.
# Checks: the pages are coded and their events stored; every failure is a dead letter with
# its reason; nothing is fetched or stored twice; a second run on the same data fetches no
# page again and stores nothing new. Exits 77 without python3.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 PARLEY SERVER" >&2
    exit 64
fi
parley=$1
server=$2
if ! command -v python3 >/dev/null 2>&1; then
    echo "fetch_web: skipped: python3 not found" >&2
    exit 77
fi

tmp=$(mktemp -d)
spid=
cleanup() {
    if [ -n "$spid" ]; then
        kill "$spid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
unset PARLEY_DATA PARLEY_CONFIG

python3 "$server" --keep >"$tmp/port" 2>"$tmp/server.log" &
spid=$!
tries=0
while [ ! -s "$tmp/port" ] && [ $tries -lt 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
port=$(head -1 "$tmp/port")
base="http://127.0.0.1:$port"
hits() {
    python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode().strip())' \
        "$base/stats/hits$1"
}

mkdir "$tmp/conf"
printf '%s\n' 'fetcher = { status_s = 0; };' \
    'http = { delay_ms = 0; per_host = 4; retries = 1; backoff_ms = 100; timeout_ms = 2000;' \
    '         max_bytes = 1048576; };' >"$tmp/conf/fetcher.cfg"

run() {
    "$parley" up --once --config "$tmp/conf" --data "$tmp/data" --format jsonl \
        "$base/rss" "$base/atom" "$base/page/c" "$base/redirect" "$base/gzip" "$base/cp1251" \
        "$base/notfound" "$base/error" "$base/loop" "$base/big" "$base/slow?s=10" "$base/private/x" \
        >"$tmp/events$1.jsonl" 2>"$tmp/up$1.log" || {
        echo "fetch_web: parley up failed (run $1):" >&2
        cat "$tmp/up$1.log" >&2
        tail -30 "$tmp/data/logs/fetcher.log" >&2 || true
        exit 1
    }
    "$parley" dead --data "$tmp/data" --all --limit 1000 --format jsonl >"$tmp/outbox$1.jsonl" \
        2>/dev/null
}
run 1

python3 - "$tmp" "$base" <<'PY'
import json, os, sys
tmp, base = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(os.path.join(tmp, "outbox1.jsonl"), encoding="utf-8")]
by_src = {r.get("src"): r for r in rows}
errors = []
def state(path, want, reason=None):
    r = by_src.get(base + path)
    if r is None:
        errors.append(f"{path}: not in the outbox")
    elif r["state"] != want:
        errors.append(f"{path}: {r['state']}, expected {want} ({r.get('reason')})")
    elif reason and reason not in (r.get("reason") or ""):
        errors.append(f"{path}: reason {r.get('reason')!r}, expected {reason!r}")
for p in ("/page/b", "/page/c", "/gzip", "/cp1251"):
    state(p, "done")
state("/page/gone", "dead", "HTTP 404")
state("/notfound", "dead", "HTTP 404")
state("/error", "dead", "HTTP 500")
state("/loop", "dead", "redirects")
state("/big", "dead", "over")
state("/slow?s=10", "dead", "timeout")
state("/private/x", "dead", "robots.txt")
# the redirect lands on /page/a, which the feeds give too: whichever comes first is the
# article, the other a duplicate
done = {src for src, r in by_src.items() if r["state"] == "done"}
if (base + "/page/a" in done) == (base + "/redirect" in done):
    errors.append("/page/a and /redirect (to /page/a): not exactly one article")
ids = [r["id"] for r in rows]
if len(ids) != len(set(ids)):
    errors.append("an article id twice in the outbox")
events = [json.loads(l) for l in open(os.path.join(tmp, "events1.jsonl"), encoding="utf-8")]
urls = {a.get("url") for e in events for a in e.get("articles", [])}
for p in ("/page/a", "/page/b", "/page/c"):
    if base + p not in urls:
        errors.append(f"no stored event reports {p}")
for e in events:
    if e.get("date") != "2024-03-01":
        errors.append(f"event dated {e.get('date')}, the page says Friday 1 March 2024")
for m in errors:
    print("fetch_web:", m, file=sys.stderr)
print(f"fetch_web: {len(rows)} inputs in the outbox, {len(events)} event versions shown")
sys.exit(1 if errors else 0)
PY

for p in /page/b /page/c /page/gone; do
    if [ "$(hits $p)" != 1 ]; then
        echo "fetch_web: $p fetched $(hits $p) times, expected once" >&2
        exit 1
    fi
done
# /page/a also at the end of /redirect: both may be in flight at once (the outbox then keeps
# one article), but not more
hits_a=$(hits /page/a)
if [ "$hits_a" -gt 2 ]; then
    echo "fetch_web: /page/a fetched $hits_a times" >&2
    exit 1
fi

# Again: the feeds are polled, but no page is fetched again and nothing new is stored.
run 2
if [ "$(hits /page/a)" != "$hits_a" ]; then
    echo "fetch_web: after a second run /page/a was fetched again" >&2
    exit 1
fi
for p in /page/b /page/c /page/gone /gzip; do
    if [ "$(hits $p)" != 1 ]; then
        echo "fetch_web: after a second run $p was fetched $(hits $p) times" >&2
        exit 1
    fi
done
if [ -s "$tmp/events2.jsonl" ]; then
    echo "fetch_web: the second run stored or showed events again" >&2
    exit 1
fi
echo "fetch_web: ok"
