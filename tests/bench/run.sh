#!/bin/sh
# run.sh BUILD_DIR [--update] - runs the benchmarks and prints their results; with --update
# it also rewrites the generated tables of BENCHMARKS.md. CI runs a seconds-long version
# through ctest (label bench); this is the full run.
set -eu
build=$1
update=${2:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin="$build/tests/bench/bench_extract"
if [ ! -x "$bin" ] || [ ! -x "$build/tests/bench/bench_store" ]; then
    echo "bench: build first (make build)" >&2
    exit 69
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown)
machine="$(nproc) cores, $cpu, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)"
echo "bench: $machine"

tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.md" "$tmp.seeds" "$tmp.store" "$tmp.e2e" "$tmp.ceil" "$tmp.ceilraw" "$tmp.lat" "$tmp.grow" "$tmp.new"' EXIT
# three runs of the generated corpus; the table keeps the best (least disturbed) one
for _ in 1 2 3; do
    "$bin" --mb 20 | tee -a "$tmp"
done
best=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^mb_per_s=/) { split($i, a, "="); print a[2], $0 } }' "$tmp" | sort -n | tail -1 | cut -d' ' -f2-)
seeds=""
if [ -d "$top/../shared/seeds" ]; then
    # the five real articles, 300 copies each: enough text for a stable figure
    rep=$(mktemp -d)
    for i in $(seq 1 300); do
        for f in "$top"/../shared/seeds/*.txt; do
            cp "$f" "$rep/$i-$(basename "$f")"
        done
    done
    for _ in 1 2 3; do
        "$bin" "$rep"
    done >"$tmp.seeds"
    rm -rf "$rep"
    cat "$tmp.seeds"
    seeds=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^mb_per_s=/) { split($i, a, "="); print a[2], $0 } }' "$tmp.seeds" | sort -n | tail -1 | cut -d' ' -f2-)
fi

field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

{
    echo "Machine: $machine. Measured $(date -u +%Y-%m-%d) with \`make bench\`."
    echo
    echo "| corpus | articles | text MB | MB/s | articles/s | sentences/s | mentions | dictionaries load | peak RSS |"
    echo "|---|---|---|---|---|---|---|---|---|"
    printf '| generated, 4 KB articles (best of 3) | %s | %s | **%s** | %s | %s | %s | %s ms | %s MB |\n' \
        "$(field "$best" articles)" "$(field "$best" text_mb)" "$(field "$best" mb_per_s)" \
        "$(field "$best" articles_per_s)" "$(field "$best" sentences_per_s)" \
        "$(field "$best" mentions)" "$(field "$best" dict_load_ms)" "$(field "$best" peak_rss_mb)"
    if [ -n "$seeds" ]; then
        printf '| the five seed articles, 300 copies (best of 3) | %s | %s | %s | %s | %s | %s | %s ms | %s MB |\n' \
            "$(field "$seeds" articles)" "$(field "$seeds" text_mb)" "$(field "$seeds" mb_per_s)" \
            "$(field "$seeds" articles_per_s)" "$(field "$seeds" sentences_per_s)" \
            "$(field "$seeds" mentions)" "$(field "$seeds" dict_load_ms)" "$(field "$seeds" peak_rss_mb)"
    fi
} >"$tmp.md"
cat "$tmp.md"

# The store's database layer: durable ingest (SQLite, WAL, synchronous=FULL) one article per
# transaction and in group commits, then replay and query of everything stored. Event keys
# uniform over all 50,000 (the worst case) or in news order (--window 2000: each article
# reports events among the 2,000 most recent keys, so an event stays in the news for the
# next 400 articles).
sbin="$build/tests/bench/bench_store"
store_rows=""
row() {
    keys=uniform
    [ "$(field "$1" window)" = 0 ] || keys="news order"
    store_rows="$store_rows$(printf '| %s | %s | %s | %s | %s | **%s** | %s | %s | %s | %s B | %s MB |' \
        "$(field "$1" backend)" "$keys" "$(field "$1" group)" "$(field "$1" articles)" \
        "$(field "$1" mentions)" "$(field "$1" mentions_per_s)" "$(field "$1" articles_per_s)" \
        "$(field "$1" replay_events_per_s)" "$(field "$1" query_events_per_s)" \
        "$(field "$1" event_bytes)" "$(field "$1" peak_rss_mb)")
"
}
for spec in "1 0" "64 0" "64 2000" "256 2000"; do
    g=${spec% *}
    w=${spec#* }
    if [ "$w" = 0 ]; then
        line=$("$sbin" --articles 10000 --mentions 10 --group "$g")
    else
        line=$("$sbin" --articles 10000 --mentions 10 --group "$g" --window "$w")
    fi
    echo "$line"
    row "$line"
done
# PostgreSQL: a throwaway local server (tests/pg_store.sh), skipped when none can be had;
# uniform keys and news order.
for w in 0 2000; do
    wopt=""
    [ "$w" = 0 ] || wopt="--window $w"
    # shellcheck disable=SC2086 # wopt is empty or two words
    if line=$(sh "$top/tests/pg_store.sh" "$sbin" --articles 3000 --mentions 10 --group 64 $wopt); then
        echo "$line"
        row "$line"
    fi
done
{
    echo "Machine: $machine. Measured $(date -u +%Y-%m-%d) with \`make bench\`."
    echo
    echo "| backend | event keys | articles per transaction | articles | mentions | mentions/s stored | articles/s | replay events/s | query events/s | event size | peak RSS |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s' "$store_rows"
} >"$tmp.store"
cat "$tmp.store"

# The whole pipeline (tests/bench/e2e.sh): parley up --once on 2,000 generated articles
# written as files, with 1 and with 2 extractors, on the news-density corpus (the event
# rate of real articles) and on the dense one (four times that).
e2e_rows=""
for density in news dense; do
    for x in 1 2; do
        line=$(sh "$top/tests/bench/e2e.sh" "$build" 2000 "$x" "$density")
        echo "$line"
        e2e_rows="$e2e_rows| $density | $x | 2000 | $(field "$line" seconds) s | **$(field "$line" articles_per_s)** | $(field "$line" mentions) | $(field "$line" mentions_per_s) | $(field "$line" tasks) |
"
    done
done
{
    echo "Machine: $machine. Measured $(date -u +%Y-%m-%d) with \`make bench\`."
    echo
    echo "| corpus | extractors | articles | wall time | articles/s | mentions stored (= event versions shown) | mentions/s | tasks per extractor |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s' "$e2e_rows"
} >"$tmp.e2e"

# Latency: intake (a file renamed into a watched folder) to a subscriber's receipt of the
# first event of that article, at the issue's fixed offered load (200 articles/s) on both
# corpora, and at a light load.
lat_rows=""
if command -v python3 >/dev/null 2>&1; then
    for spec in "news 200 2000" "dense 200 2000" "news 20 300"; do
        density=${spec%% *}
        rest=${spec#* }
        rate=${rest% *}
        count=${rest#* }
        line=$(python3 "$top/tests/bench/latency.py" "$build/bin" "$build/tests/bench/gen_corpus" \
            --density "$density" --rate "$rate" --articles "$count")
        echo "$line"
        lat_rows="$lat_rows| $density | $(field "$line" offered_per_s) | $(field "$line" articles) | $(field "$line" p50_ms) ms | $(field "$line" p90_ms) ms | **$(field "$line" p99_ms) ms** | $(field "$line" max_ms) ms |
"
    done
fi
{
    echo "Machine: $machine. Measured $(date -u +%Y-%m-%d) with \`make bench\`."
    echo
    echo "| corpus | offered articles/s | articles | p50 | p90 | p99 | max |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s' "$lat_rows"
} >"$tmp.lat"

# Growth: each stage at 1x, 10x and 100x its input; the last column is the throughput at
# 100x over that at 1x (1.00: cost grows linearly with the input).
grow_rows=""
grow() { # label unit rate1 rate10 rate100
    ratio=$(echo "$3 $5" | awk '{ printf "%.2f", $2 / $1 }')
    grow_rows="$grow_rows| $1 | $3 | $4 | $5 | $2 | **$ratio** |
"
}
r1=""
r10=""
for mb in 2 20 200; do
    line=$("$bin" --mb "$mb")
    echo "growth $line"
    case $mb in 2) r1=$(field "$line" mb_per_s) ;; 20) r10=$(field "$line" mb_per_s) ;; *) r100=$(field "$line" mb_per_s) ;; esac
done
grow "extraction, 2 / 20 / 200 MB of the dense corpus" "MB/s" "$r1" "$r10" "$r100"
for a in 1000 10000 100000; do
    line=$("$sbin" --articles "$a" --mentions 10 --group 64 --keys $((a * 5)))
    echo "growth $line"
    case $a in 1000) r1=$(field "$line" mentions_per_s) ;; 10000) r10=$(field "$line" mentions_per_s) ;; *) r100=$(field "$line" mentions_per_s) ;; esac
done
grow "store ingest (SQLite, group 64), 1,000 / 10,000 / 100,000 articles of 10 mentions" "mentions/s" "$r1" "$r10" "$r100"
for a in 1000 10000 100000; do
    line=$("$sbin" --articles "$a" --mentions 10 --group 64 --keys $((a * 5)) --window 2000)
    echo "growth $line"
    case $a in 1000) r1=$(field "$line" mentions_per_s) ;; 10000) r10=$(field "$line" mentions_per_s) ;; *) r100=$(field "$line" mentions_per_s) ;; esac
done
grow "the same in news order (--window 2000)" "mentions/s" "$r1" "$r10" "$r100"
for a in 500 5000 50000; do
    line=$(sh "$top/tests/bench/e2e.sh" "$build" "$a" 2 news)
    echo "growth $line"
    case $a in 500) r1=$(field "$line" articles_per_s) ;; 5000) r10=$(field "$line" articles_per_s) ;; *) r100=$(field "$line" articles_per_s) ;; esac
done
grow "whole pipeline (news corpus, 2 extractors), 500 / 5,000 / 50,000 articles" "articles/s" "$r1" "$r10" "$r100"
{
    echo "Machine: $machine. Measured $(date -u +%Y-%m-%d) with \`make bench\`."
    echo
    echo "| stage and sizes | 1x | 10x | 100x | unit | 100x / 1x |"
    echo "|---|---|---|---|---|---|"
    printf '%s' "$grow_rows"
} >"$tmp.grow"

# The ceilings, measured in the same run: raw libzmq, the record codec, plain SQLite inserts.
ceil_rows=""
if [ -x "$build/tests/bench/bench_ceilings" ]; then
    "$build/tests/bench/bench_ceilings" --seconds 3 >"$tmp.ceilraw"
    cat "$tmp.ceilraw"
    while IFS= read -r line; do
        case $(field "$line" ceiling) in
        zmq) ceil_rows="$ceil_rows| libzmq DEALER -> ROUTER, ipc, $(field "$line" bytes) B messages | **$(field "$line" msgs_per_s)** messages/s ($(field "$line" mb_per_s) MB/s) |
" ;;
        msgpack) ceil_rows="$ceil_rows| article record ($(field "$line" bytes) B) alone: encode / decode | **$(field "$line" encode_per_s)** / **$(field "$line" decode_per_s)** records/s |
" ;;
        sqlite) ceil_rows="$ceil_rows| SQLite inserts of 1 KB rows, WAL, synchronous=FULL, 640 a transaction, $(field "$line" keys) keys | **$(field "$line" rows_per_s)** rows/s |
" ;;
        esac
    done <"$tmp.ceilraw"
fi
{
    echo "Machine: $machine. Measured $(date -u +%Y-%m-%d) with \`make bench\`."
    echo
    echo "| ceiling | measured |"
    echo "|---|---|"
    printf '%s' "$ceil_rows"
} >"$tmp.ceil"

if [ "$update" = "--update" ]; then
    for block in extract:md store:store e2e:e2e ceilings:ceil latency:lat growth:grow; do
        name=${block%%:*}
        file=$tmp.${block#*:}
        awk -v gen="$file" -v name="$name" '
            $0 == "<!-- BEGIN GENERATED: bench-" name " -->" { print; while ((getline l < gen) > 0) print l; skip = 1; next }
            $0 == "<!-- END GENERATED: bench-" name " -->" { skip = 0 }
            !skip { print }
        ' "$top/BENCHMARKS.md" >"$tmp.new" && mv "$tmp.new" "$top/BENCHMARKS.md"
    done
    echo "bench: BENCHMARKS.md updated"
fi
