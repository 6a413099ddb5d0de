#!/bin/sh
# e2e.sh BUILD_DIR ARTICLES EXTRACTORS DENSITY - the whole pipeline, once.
#
# Writes ARTICLES generated articles (gen_corpus --density DENSITY: news or dense) as files
# and runs `parley up --once --extractors EXTRACTORS` on them: store (SQLite,
# synchronous=FULL), fetcher (its outbox durable too) and the extractors on ipc:// sockets,
# and a tail printing JSON lines. The wall time runs from the start of parley up to its exit:
# every article stored and every event version shown by the tail (start-up and shutdown
# included, about half a second). Prints one line of key=value results; exits 70 when an
# article is not done or nothing was shown, so the CI's tiny run checks the harness and the
# pipeline without asserting anything about time.
set -eu
build=$1
n=$2
x=$3
density=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$build/tests/bench/gen_corpus" --articles "$n" --seed 11 --density "$density" "$tmp/in"
t0=$(date +%s.%N)
"$build/bin/parley" up --once --extractors "$x" --data "$tmp/data" --format jsonl "$tmp/in" \
    >"$tmp/events" 2>"$tmp/up.log" || {
    echo "e2e: parley up failed:" >&2
    tail -20 "$tmp/up.log" >&2
    exit 70
}
t1=$(date +%s.%N)
versions=$(wc -l <"$tmp/events")
done_n=$(sed -n 's/.* INFO stopped .* done=\([0-9]*\) .*/\1/p' "$tmp/data/logs/fetcher.log" | tail -1)
mentions=$(sed -n 's/.* INFO stopped .* mentions=\([0-9]*\) .*/\1/p' "$tmp/data/logs/store.log" | tail -1)
shares=$(grep -h "extractor worker=" "$tmp/data/logs/fetcher.log" |
    sed -n 's/.* tasks=\([0-9]*\).*/\1/p' | sort -rn | tr '\n' '/' | sed 's:/$::')
if [ "${done_n:-0}" != "$n" ] || [ "$versions" -eq 0 ]; then
    echo "e2e: $done_n of $n articles done, $versions event versions shown" >&2
    exit 70
fi
echo "$t0 $t1 $n" | awk -v d="$density" -v x="$x" -v v="$versions" -v m="${mentions:-0}" \
    -v s="$shares" '{
    secs = $2 - $1
    printf "e2e density=%s extractors=%s articles=%d seconds=%.2f articles_per_s=%.0f", d, x, $3, secs, $3 / secs
    printf " mentions=%d mentions_per_s=%.0f versions=%d tasks=%s\n", m, m / secs, v, s
}'
