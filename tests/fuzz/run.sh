#!/bin/sh
# run.sh DIR SECONDS MALLOC_MB - runs every fuzz target in DIR for SECONDS each, starting
# from the committed seeds, with libFuzzer's malloc limit so a decoder that lets a declared
# count drive an allocation fails loudly. New inputs go to DIR/corpus/<target> (not to the
# committed seeds); crashes to DIR/artifacts/.
set -eu
dir=$1
secs=${2:-60}
mb=${3:-1024}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir/artifacts"
status=0
for t in article mention event msg extract html feed robots; do
    bin="$dir/fuzz_$t"
    [ -x "$bin" ] || { echo "fuzz: missing $bin (build with -DPL_FUZZ=ON and clang)" >&2; exit 1; }
    mkdir -p "$dir/corpus/$t"
    echo "fuzz: $t for ${secs}s (malloc limit ${mb} MB)"
    if ! "$bin" -max_total_time="$secs" -malloc_limit_mb="$mb" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/$t-" \
        "$dir/corpus/$t" "$here/corpus/$t" >"$dir/$t.log" 2>&1; then
        echo "fuzz: $t FAILED; see $dir/$t.log and $dir/artifacts/" >&2
        tail -n 40 "$dir/$t.log" >&2
        status=1
    else
        grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$dir/$t.log" | tr '\n' ' '
        echo
    fi
done
exit $status
