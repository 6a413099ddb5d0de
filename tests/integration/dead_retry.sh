#!/bin/sh
# dead_retry.sh PARLEY GEN_CORPUS - `parley dead` lists what the fetcher gave up on, with the
# reason, and `--retry` brings a dead article back so that the next run codes it.
#
# A folder of generated articles plus one article the extractors refuse (their test
# failpoint, PARLEY_FAILPOINT_EXTRACT) and one empty file (an input that never becomes an
# article). After `parley up --once`: both are listed dead with their reasons, the refused
# article after fetcher.max_attempts (3) attempts; retrying the empty file is refused (65);
# retrying the article puts it back to pending with no attempts; a second run without the
# failpoint codes it (its events are stored and shown) and only the empty file stays dead.
set -eu
parley=$1
gen=$2
tmp=$(mktemp -d /tmp/parley-dead.XXXXXX)
cleanup() {
    pkill -9 -f "$tmp" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
unset PARLEY_CONFIG PARLEY_DATA
fail() {
    echo "dead_retry: $*" >&2
    for f in "$tmp"/up*.log "$tmp"/dead*; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
    done
    exit 1
}
"$gen" --articles 5 --seed 4 --density news "$tmp/in"
printf 'url: https://news.example.org/refused\ntitle: Talks\n---\nREFUSE-ME. Armenian Foreign Minister Ararat Mirzoyan met Iranian Foreign Minister Hossein Amir-Abdollahian in Tehran on Monday.\n' >"$tmp/in/refused.txt"
: >"$tmp/in/empty.txt"

PARLEY_FAILPOINT_EXTRACT=REFUSE-ME TMPDIR=$tmp "$parley" up --once --data "$tmp/data" \
    --format jsonl "$tmp/in" >"$tmp/events1" 2>"$tmp/up1.log" || fail "the first run failed"
"$parley" dead --data "$tmp/data" --format jsonl >"$tmp/dead1" 2>/dev/null || fail "parley dead failed"
[ "$(wc -l <"$tmp/dead1")" -eq 2 ] || fail "expected 2 dead letters"
grep 'refused' "$tmp/dead1" | grep -q '"reason":"refused by extractor [^"]*: failpoint' ||
    fail "no failpoint reason"
grep 'refused' "$tmp/dead1" | grep -q '"attempts":3' || fail "the refused article did not take 3 attempts"
refused=$(grep 'refused' "$tmp/dead1" | sed -n 's/^{"id":"\([0-9a-f]*\)".*/\1/p')
empty=$(grep 'empty' "$tmp/dead1" | sed -n 's/^{"id":"\([0-9a-f]*\)".*/\1/p')
if [ -z "$refused" ] || [ -z "$empty" ]; then
    fail "no ids in the listing"
fi
grep -q 'news.example.org/refused' "$tmp/events1" && fail "the refused article has events"

# An input that never became an article cannot be retried.
rc=0
"$parley" dead --data "$tmp/data" --retry "$empty" >/dev/null 2>"$tmp/dead_err" || rc=$?
[ "$rc" -eq 65 ] || fail "retrying the empty file exited $rc, not 65"
grep -q "not a dead article" "$tmp/dead_err" || fail "no reason for the refused retry"

"$parley" dead --data "$tmp/data" --retry "$refused" >"$tmp/dead_retry" 2>&1 ||
    fail "retrying the article failed"
grep -q "1 article back to pending" "$tmp/dead_retry" || fail "the retry did not say what it did"
"$parley" dead --data "$tmp/data" --all --format jsonl >"$tmp/dead_all" 2>/dev/null
grep "$refused" "$tmp/dead_all" | grep -q '"state":"pending","attempts":0' ||
    fail "the retried article is not pending with 0 attempts"

TMPDIR=$tmp "$parley" up --once --data "$tmp/data" --format jsonl "$tmp/in" \
    >"$tmp/events2" 2>"$tmp/up2.log" || fail "the second run failed"
grep -q 'news.example.org/refused' "$tmp/events2" || fail "the retried article's events were not shown"
"$parley" dead --data "$tmp/data" --format jsonl >"$tmp/dead2" 2>/dev/null
if [ "$(wc -l <"$tmp/dead2")" -ne 1 ] || ! grep -q "$empty" "$tmp/dead2"; then
    fail "after the retry only the empty file should be dead"
fi
"$parley" dead --data "$tmp/data" --all --format jsonl 2>/dev/null | grep "$refused" |
    grep -q '"state":"done"' || fail "the retried article is not done"
echo "dead_retry: ok (dead with reasons, retry refused for an input, retried article coded)"
