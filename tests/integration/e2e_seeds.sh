#!/bin/sh
# e2e_seeds.sh PARLEY SHARED - the seed articles through the three real daemons.
#
# `parley up --once` starts parley-store, parley-fetcher and an extractor on the seed folder
# and exits once every article is stored; the events it showed (JSON lines from the live
# stream) and the events in the database (`parley export --db`) must be the same set, every
# article must be done (none dead), and the stored events, spread back over the articles
# that report them, must score a strict F1 of at least 0.85 against the gold events
# (SHARED/gold/score.py). The 23 October 2023 meeting in Tehran, reported by seeds 000 and
# 001, must be one event with two articles. A second `parley up --once` on the same data
# folder takes nothing in again and stores nothing new.
#
# Seed 001 gets the publication date its web page carries (see below); without it no year
# can be known and the meeting would be dated by the time the file is read.
# Exits 77 (skipped) when SHARED or python3 is missing.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 PARLEY SHARED" >&2
    exit 64
fi
parley=$1
shared=$2
if [ ! -d "$shared/seeds" ] || [ ! -f "$shared/gold/score.py" ]; then
    echo "e2e_seeds: skipped: no seeds or gold in '$shared'" >&2
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "e2e_seeds: skipped: python3 not found" >&2
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset PARLEY_DATA PARLEY_CONFIG

# Seed 001 never states the year, and a bare file carries no publication date, so on its own
# it is dated by the time it is read. Fetched from the web its page would say when it was
# published (the day after the meeting): that is what its header gives it here, the way the
# fetcher's HTML reader fills in `published`. The other seeds are read as they are.
mkdir "$tmp/seeds"
for f in "$shared"/seeds/*.txt; do
    case $(basename "$f") in
    001_*) { printf 'published: 2023-10-24T10:00:00Z\n---\n'; cat "$f"; } >"$tmp/seeds/$(basename "$f")" ;;
    *) cp "$f" "$tmp/seeds/" ;;
    esac
done

if ! "$parley" up --once --data "$tmp/data" --format jsonl "$tmp/seeds" \
    >"$tmp/shown.jsonl" 2>"$tmp/up.log"; then
    echo "e2e_seeds: parley up failed:" >&2
    cat "$tmp/up.log" >&2
    for f in "$tmp"/data/logs/*.log; do
        echo "--- $f" >&2
        tail -20 "$f" >&2
    done
    exit 1
fi
"$parley" export --db "$tmp/data" --format jsonl >"$tmp/stored.jsonl"
"$parley" dead --data "$tmp/data" --format jsonl >"$tmp/dead.jsonl" 2>/dev/null

python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
def load(name):
    with open(os.path.join(tmp, name), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]
shown, stored, dead = load("shown.jsonl"), load("stored.jsonl"), load("dead.jsonl")
errors = []
if dead:
    errors.append(f"{len(dead)} dead letters: {[d.get('reason') for d in dead]}")
if not stored:
    errors.append("nothing stored")
# every version shown once, in seq order, and the last version of each event = stored
seqs = [e["seq"] for e in shown]
if seqs != sorted(set(seqs)):
    errors.append("the live stream showed a seq twice or out of order")
last = {}
for e in shown:
    last[e["id"]] = e
if {e["id"]: e["seq"] for e in stored} != {k: v["seq"] for k, v in last.items()}:
    errors.append(f"shown events ({len(last)}) differ from stored events ({len(stored)})")
# one prediction per reporting article, for score.py
with open(os.path.join(tmp, "pred.jsonl"), "w", encoding="utf-8") as out:
    for e in stored:
        for a in e.get("articles", []):
            p = dict(e)
            p["article"] = a
            p.pop("articles", None)
            out.write(json.dumps(p) + "\n")
tehran = [e for e in stored if e.get("date") == "2023-10-23" and e.get("cameo", "").startswith("04")
          and {e["source"].get("country"), (e.get("target") or {}).get("country")} == {"ARM", "AZE"}]
docs = lambda e: sorted(os.path.basename(a.get("url", ""))[:3] for a in e.get("articles", []))
if not any(e.get("num_articles") == 2 and docs(e) == ["000", "001"] for e in tehran):
    errors.append("the Tehran meeting of 23 October 2023 is not one event reported by seeds "
                  f"000 and 001: {[(e['cameo'], docs(e)) for e in tehran]}")
for m in errors:
    print("e2e_seeds:", m, file=sys.stderr)
print(f"e2e_seeds: {len(stored)} events stored, {len(shown)} versions shown")
sys.exit(1 if errors else 0)
PY

if ! python3 "$shared/gold/score.py" "$shared/gold/seeds.jsonl" "$tmp/pred.jsonl" \
    --min-f1=0.85 --metric=strict; then
    echo "e2e_seeds: strict F1 of the stored events below 0.85" >&2
    exit 1
fi

# Again on the same data: nothing new is taken in, nothing new is stored.
head1=$(wc -l <"$tmp/stored.jsonl")
"$parley" up --once --data "$tmp/data" --format jsonl "$tmp/seeds" >"$tmp/shown2.jsonl" \
    2>"$tmp/up2.log" || {
    echo "e2e_seeds: the second parley up failed:" >&2
    cat "$tmp/up2.log" >&2
    exit 1
}
"$parley" export --db "$tmp/data" --format jsonl >"$tmp/stored2.jsonl"
if ! cmp -s "$tmp/stored.jsonl" "$tmp/stored2.jsonl" || [ -s "$tmp/shown2.jsonl" ]; then
    echo "e2e_seeds: the second run changed the store or showed events again" >&2
    exit 1
fi
echo "e2e_seeds: ok ($head1 events; a second run added nothing)"
