#!/bin/sh
# kill.sh MODE BIN_DIR GEN_CORPUS - no article lost, none stored twice, whatever is killed.
#
# Runs parley-store, parley-fetcher and three parley-extractors on a generated corpus
# (FAULT_ARTICLES articles, default 2000) and, while the articles flow, kills with SIGKILL:
#   extractor  a random extractor, again and again, each restarted at once;
#   store      the store, once a third of the articles are done, restarted a second later;
#   fetcher    the fetcher, likewise;
#   stop       an extractor hangs (SIGSTOP) for longer than its leases, then goes on
#              (SIGCONT): its work is redelivered meanwhile and its late answers change
#              nothing;
#   term       SIGTERM under load to an extractor, the fetcher and the store in turn, each
#              of which must exit 0 within 5 s, and is started again;
#   pause      the store stops (SIGSTOP) for FAULT_PAUSE_S seconds (30) with most of 10,000
#              articles still waiting: the resident memory of the fetcher and of every
#              extractor, sampled throughout, must stay within 64 MB of what it was before
#              the pause, and nothing is lost after the store comes back - nor made dead: the
#              fetcher allows only 2 attempts, which the pause would use up ten times over
#              if the extractors did not hold the leases of what the store has not
#              acknowledged (HOLD);
#   poison     three articles fail to code every time (the extractors' failpoint,
#              PARLEY_FAILPOINT_EXTRACT): each ends dead after fetcher.max_attempts with the
#              reason, and everything else is stored as always.
# When every article is done it checks, straight in the databases: every article done and
# none dead; each article stored once (one batch) with exactly the mentions `parley extract`
# finds in it, so no mention is lost or stored twice; the log's seq runs 1..head without a
# gap. Exits 77 without python3.
#
# With PARLEY_TEST_PG set (tests/pg_store.sh sets it), the store writes to that PostgreSQL
# database instead of SQLite, and the checks read it with psql.
set -eu

if [ $# -ne 3 ]; then
    echo "usage: $0 extractor|store|fetcher|stop|term|pause|poison BIN_DIR GEN_CORPUS" >&2
    exit 64
fi
mode=$1
bin=$2
gen=$3
n=${FAULT_ARTICLES:-2000}
if [ "$1" = pause ]; then
    n=${FAULT_ARTICLES:-10000}
fi
pause_s=${FAULT_PAUSE_S:-30}
case $mode in
extractor | store | fetcher | stop | term | pause | poison) ;;
*)
    echo "kill.sh: unknown mode '$mode'" >&2
    exit 64
    ;;
esac
if ! command -v python3 >/dev/null 2>&1; then
    echo "kill.sh: skipped: python3 not found" >&2
    exit 77
fi

tmp=$(mktemp -d /tmp/parley-fault.XXXXXX)
pids=""
cleanup() {
    for p in $pids; do
        kill -9 "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

"$gen" --articles "$n" --seed 7 "$tmp/in"
poison=0
max_attempts=20
if [ "$mode" = poison ]; then
    poison=3
    max_attempts=3
    for i in 1 2 3; do
        printf 'POISON-PILL %s: the ministers met in Geneva on Monday.\n' "$i" >"$tmp/in/poison-$i.txt"
    done
    export PARLEY_FAILPOINT_EXTRACT=POISON-PILL
fi
if [ "$mode" = pause ]; then
    max_attempts=2
fi
mkdir "$tmp/logs"
pg=${PARLEY_TEST_PG:-}
backend=""
if [ -n "$pg" ]; then
    backend="backend = \"postgres\"; conninfo = \"$pg\";"
    psql=$(command -v psql || find /usr/lib/postgresql -path '*/bin/psql' | sort -V | tail -1)
    if [ -z "$psql" ]; then
        echo "kill.sh: skipped: no psql to check the PostgreSQL database" >&2
        exit 77
    fi
fi
cat >"$tmp/store.cfg" <<EOF
ingest = { bind = "ipc://$tmp/ingest.sock"; };
live = { bind = "ipc://$tmp/live.sock"; };
replay = { bind = "ipc://$tmp/replay.sock"; };
store = { data_dir = "$tmp"; $backend };
EOF
cat >"$tmp/fetcher.cfg" <<EOF
work = { bind = "ipc://$tmp/work.sock"; };
fetcher = { data_dir = "$tmp"; lease_ms = 3000; worker_timeout_ms = 2000; status_s = 0;
            max_attempts = $max_attempts; };
sources = { inputs = [ "$tmp/in" ]; };
EOF
cat >"$tmp/extractor.cfg" <<EOF
work = { connect = "ipc://$tmp/work.sock"; ready_ms = 200; };
ingest = { connect = "ipc://$tmp/ingest.sock"; timeout_ms = 2000; retries = 5; };
EOF

start() { # name -> pid in $started
    "$bin/parley-$1" -c "$tmp/$1.cfg" >>"$tmp/logs/$2.log" 2>&1 &
    started=$!
}
start store store
store=$started
start fetcher fetcher
fetcher=$started
x1='' x2='' x3=''
victim=''
for i in 1 2 3; do
    start extractor "extractor-$i"
    eval "x$i=$started"
done

# The expected mentions per article, coded offline by the same extraction.
PARLEY_FAILPOINT_EXTRACT='' "$bin/parley" extract --quiet "$tmp"/in/[0-9]*.txt \
    >"$tmp/expected.jsonl" &
expect_pid=$!

progress() {
    python3 - "$tmp/outbox.db" <<'PY' 2>/dev/null || echo "0 0"
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=5)
c = dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
print(c.get(2, 0), c.get(3, 0))
PY
}

kills=0
killed_once=0
stopped=''
stopped_at=0
term_next=0
rss_base=''
rss_max=0
# resident memory (kB) of the fetcher and the extractors, the largest of them
rss_now() {
    m=0
    for p in $fetcher $x1 $x2 $x3; do
        r=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status" 2>/dev/null || true)
        if [ -n "$r" ] && [ "$r" -gt "$m" ]; then
            m=$r
        fi
    done
    echo "$m"
}
# SIGTERM to $1 (pid) and wait at most 5 s for exit 0
term_wait() {
    kill -TERM "$1"
    t=0
    while kill -0 "$1" 2>/dev/null && [ $t -lt 50 ]; do
        sleep 0.1
        t=$((t + 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        echo "kill.sh: pid $1 still running 5 s after SIGTERM" >&2
        exit 1
    fi
    if ! wait "$1"; then
        echo "kill.sh: pid $1 did not exit 0 after SIGTERM" >&2
        exit 1
    fi
}
deadline=$(($(date +%s) + ${FAULT_TIMEOUT_S:-400}))
while :; do
    counts=$(progress)
    done_n=${counts% *}
    dead_n=${counts#* }
    if [ $((done_n + dead_n)) -ge $((n + poison)) ]; then
        break
    fi
    if [ "$(date +%s)" -gt "$deadline" ]; then
        echo "kill.sh: not finished in time: $done_n done, $dead_n dead of $n" >&2
        tail -5 "$tmp"/logs/*.log >&2
        exit 1
    fi
    case $mode in
    extractor)
        i=$(($(od -An -N1 -tu1 /dev/urandom) % 3 + 1))
        eval "victim=\$x$i"
        kill -9 "$victim" 2>/dev/null || true
        wait "$victim" 2>/dev/null || true
        kills=$((kills + 1))
        start extractor "extractor-$i"
        eval "x$i=$started"
        ;;
    pause)
        if [ -z "$stopped" ] && [ $killed_once -eq 0 ] && [ "$done_n" -ge $((n / 10)) ]; then
            rss_base=$(rss_now)
            stopped=$store
            kill -STOP "$stopped"
            stopped_at=$(date +%s)
            killed_once=1
            kills=1
        elif [ -n "$stopped" ]; then
            r=$(rss_now)
            if [ "$r" -gt "$rss_max" ]; then
                rss_max=$r
            fi
            if [ $(($(date +%s) - stopped_at)) -ge "$pause_s" ]; then
                kill -CONT "$stopped"
                stopped=''
            fi
        fi
        ;;
    stop)
        if [ -z "$stopped" ] && [ $killed_once -eq 0 ] && [ "$done_n" -ge $((n / 5)) ]; then
            stopped=$x1
            kill -STOP "$stopped"
            stopped_at=$(date +%s)
            killed_once=1
            kills=1
        elif [ -n "$stopped" ] && [ $(($(date +%s) - stopped_at)) -ge 5 ]; then
            kill -CONT "$stopped"
            stopped=''
        fi
        ;;
    term)
        if [ "$done_n" -ge $(((term_next + 1) * n / 4)) ] && [ $term_next -lt 3 ]; then
            case $term_next in
            0)
                term_wait "$x2"
                start extractor extractor-2
                x2=$started
                ;;
            1)
                term_wait "$fetcher"
                start fetcher fetcher
                fetcher=$started
                ;;
            2)
                term_wait "$store"
                start store store
                store=$started
                ;;
            esac
            term_next=$((term_next + 1))
            kills=$term_next
        fi
        ;;
    store | fetcher)
        if [ $killed_once -eq 0 ] && [ "$done_n" -ge $((n / 3)) ]; then
            eval "victim=\$$mode"
            kill -9 "$victim"
            wait "$victim" 2>/dev/null || true
            kills=1
            killed_once=1
            sleep 1
            start "$mode" "$mode"
            eval "$mode=$started"
        fi
        ;;
    esac
    pids="$store $fetcher $x1 $x2 $x3"
    sleep 0.7
done
pids="$store $fetcher $x1 $x2 $x3"
if [ -n "$stopped" ]; then
    kill -CONT "$stopped"
fi
for p in $x1 $x2 $x3 $fetcher $store; do
    kill -TERM "$p" 2>/dev/null || true
done
for p in $x1 $x2 $x3 $fetcher $store; do
    wait "$p" 2>/dev/null || true
done
pids=""
wait "$expect_pid"
if [ "$mode" = pause ]; then
    growth=$(((rss_max - rss_base) / 1024))
    echo "kill.sh: largest fetcher/extractor resident memory ${rss_base} kB before the pause, ${rss_max} kB during it (+${growth} MB)"
    if [ "$growth" -gt 64 ]; then
        echo "kill.sh: memory grew by ${growth} MB while the store was stopped (bound: 64 MB)" >&2
        exit 1
    fi
fi
if [ "$mode" = stop ]; then
    # the hung extractor's late batches reached the store, which answered them as repeats
    late=$(sed -n 's/.* stopped .* replayed=\([0-9]*\) .*/\1/p' "$tmp/logs/store.log" | tail -1)
    if [ -z "$late" ] || [ "$late" -eq 0 ]; then
        echo "kill.sh: no late batch from the hung extractor reached the store" >&2
        tail -3 "$tmp/logs/extractor-1.log" >&2
        exit 1
    fi
    echo "kill.sh: $late late batches answered as repeats"
fi

if [ -n "$pg" ]; then
    # what the checks read, as the SQLite queries below would return it, one row a line
    q() { "$psql" -X -q -At -F ' ' "$pg" -c "$1" >"$tmp/$2" || exit 1; }
    q "SELECT a.id FROM batches b JOIN articles a ON a.no = b.article_no" pg_batches
    q "SELECT a.id FROM mentions m JOIN articles a ON a.no = m.article_no" pg_mentions
    q "SELECT COALESCE(max(seq), 0), count(*) FROM log" pg_log
fi
python3 - "$tmp" "$n" "$mode" "$kills" "$poison" "${pg:+pg}" <<'PY'
import json, os, sqlite3, sys
from collections import Counter
tmp, n, mode, kills = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
poison = int(sys.argv[5])
on_pg = len(sys.argv) > 6 and sys.argv[6] == "pg"
errors = []


def rows(sql, name):
    """The rows of a query on the store's database (on PostgreSQL: what psql wrote)."""
    if not on_pg:
        return st.execute(sql).fetchall()
    with open(os.path.join(tmp, name), encoding="utf-8") as f:
        return [tuple(line.split(" ")) for line in f.read().splitlines() if line]


ob = sqlite3.connect(os.path.join(tmp, "outbox.db"))
states = dict(ob.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
if states.get(2, 0) != n or states.get(3, 0) != poison:
    errors.append(f"outbox: {states.get(2, 0)} done, {states.get(3, 0)} dead of {n}"
                  f" (+{poison} poison)")
for src, attempts, reason in ob.execute("SELECT src, attempts, reason FROM outbox WHERE state = 3"):
    if "poison-" not in (src or "") or attempts != 3 or "failpoint" not in (reason or ""):
        errors.append(f"dead letter {src}: {attempts} attempts, reason {reason!r}")
ids = {r[0] for r in ob.execute("SELECT id FROM outbox WHERE state = 2")}
st = None if on_pg else sqlite3.connect(os.path.join(tmp, "parley.db"))
batches = Counter(r[0] for r in rows(
    "SELECT a.id FROM batches b JOIN articles a ON a.no = b.article_no", "pg_batches"))
if set(batches) != ids:
    errors.append(f"store: batches for {len(batches)} articles, outbox has {len(ids)}")
twice = [a for a, c in batches.items() if c > 1]
if twice:
    errors.append(f"store: {len(twice)} articles stored twice")
stored = Counter(r[0] for r in rows(
    "SELECT a.id FROM mentions m JOIN articles a ON a.no = m.article_no", "pg_mentions"))
expected = Counter()
with open(os.path.join(tmp, "expected.jsonl"), encoding="utf-8") as f:
    for line in f:
        expected[json.loads(line)["article"]["id"]] += 1
if stored != expected:
    diff = [(a, stored.get(a, 0), expected.get(a, 0)) for a in set(stored) | set(expected)
            if stored.get(a, 0) != expected.get(a, 0)]
    errors.append(f"store: mentions differ from parley extract for {len(diff)} articles, "
                  f"e.g. {diff[:3]}")
head, count = (int(v) for v in rows("SELECT COALESCE(max(seq), 0), count(*) FROM log",
                                     "pg_log")[0])
if head != count:
    errors.append(f"log: head {head} but {count} versions: a gap")
for e in errors:
    print("kill.sh:", e, file=sys.stderr)
print(f"kill.sh {mode}{' (PostgreSQL)' if on_pg else ''}: {n} articles, {kills} kill(s), {sum(stored.values())} mentions once "
      f"each, seq 1..{head} without a gap")
sys.exit(1 if errors else 0)
PY
