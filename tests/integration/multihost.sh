#!/bin/sh
# multihost.sh BIN_DIR SAMPLES - extractors on another host, over TCP, with CURVE.
#
# Two network namespaces joined by a veth pair with private addresses stand for two hosts:
# parley-store and parley-fetcher run in one, two parley-extractors in the other and
# connect over TCP; every socket is encrypted with CURVE and the bound ones let in only the
# extractors' keys. The fetcher reads the sample articles once (fetcher.once) and exits 0
# when all are done; then every article must be done and the store must hold their events.
# Needs root and `ip netns` (iproute2, installed from Debian when missing); exits 77 with a
# message when namespaces cannot be made here.
set -eu
bin=$1
samples=$2
skip() {
    echo "multihost: skipped: $*" >&2
    exit 77
}
if ! command -v ip >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q iproute2 >/dev/null 2>&1 ||
            skip "iproute2 could not be installed"
    else
        skip "no ip command (iproute2) and not root to install it"
    fi
fi
a="parley-a-$$"
b="parley-b-$$"
ip netns add "$a" 2>/dev/null || skip "cannot make network namespaces here (needs root)"
if ! ip netns exec "$a" true 2>/dev/null; then
    ip netns del "$a" 2>/dev/null || true
    skip "cannot run programs in a network namespace here (ip netns exec fails, e.g. in a chroot)"
fi
tmp=$(mktemp -d /tmp/parley-mh.XXXXXX)
pids=''
cleanup() {
    for p in $pids; do
        kill -9 "$p" 2>/dev/null || true
    done
    ip netns del "$a" 2>/dev/null || true
    ip netns del "$b" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$b"
va="pla$$"
vb="plb$$"
ip link add "$va" type veth peer name "$vb"
ip link set "$va" netns "$a"
ip link set "$vb" netns "$b"
ip -n "$a" addr add 10.213.7.1/30 dev "$va"
ip -n "$b" addr add 10.213.7.2/30 dev "$vb"
for ns in "$a" "$b"; do
    ip -n "$ns" link set lo up
done
ip -n "$a" link set "$va" up
ip -n "$b" link set "$vb" up

mkdir "$tmp/keys"
for k in store fetcher extractor; do
    "$bin/parley" keygen "$k" --dir "$tmp/keys" >/dev/null 2>&1
done
xpub=$(cat "$tmp/keys/extractor.pub")
fpub=$(cat "$tmp/keys/fetcher.pub")
spub=$(cat "$tmp/keys/store.pub")
h=10.213.7.1
cat >"$tmp/store.cfg" <<EOF
ingest = { bind = "tcp://$h:5556"; };
live = { bind = "tcp://$h:5557"; };
replay = { bind = "tcp://$h:5558"; };
store = { data_dir = "$tmp"; };
curve = {
  enabled = true;
  @include "keys/store.key"
  allow = [ "$xpub" ];
};
EOF
cat >"$tmp/fetcher.cfg" <<EOF
work = { bind = "tcp://$h:5555"; };
fetcher = { data_dir = "$tmp"; once = true; status_s = 0; };
sources = { inputs = [ "$samples" ]; };
curve = {
  enabled = true;
  @include "keys/fetcher.key"
  allow = [ "$xpub" ];
};
EOF
cat >"$tmp/extractor.cfg" <<EOF
work = { connect = "tcp://$h:5555"; server_key = "$fpub"; };
ingest = { connect = "tcp://$h:5556"; server_key = "$spub"; };
curve = {
  enabled = true;
  @include "keys/extractor.key"
};
EOF
ip netns exec "$a" "$bin/parley-store" -c "$tmp/store.cfg" 2>"$tmp/store.log" &
pids="$pids $!"
ip netns exec "$a" "$bin/parley-fetcher" -c "$tmp/fetcher.cfg" 2>"$tmp/fetcher.log" &
fetcher=$!
for i in 1 2; do
    ip netns exec "$b" "$bin/parley-extractor" -c "$tmp/extractor.cfg" 2>"$tmp/extractor-$i.log" &
    pids="$pids $!"
done
t=0
while kill -0 "$fetcher" 2>/dev/null; do
    if [ $t -ge 600 ]; then
        echo "multihost: the fetcher did not finish in 60 s" >&2
        tail -5 "$tmp"/*.log >&2
        kill -9 "$fetcher"
        exit 1
    fi
    sleep 0.1
    t=$((t + 1))
done
if ! wait "$fetcher"; then
    echo "multihost: the fetcher failed" >&2
    tail -5 "$tmp"/*.log >&2
    exit 1
fi
for p in $pids; do
    kill -TERM "$p" 2>/dev/null || true
done
for p in $pids; do
    wait "$p" 2>/dev/null || true
done
pids=''
articles=$(find "$samples" -maxdepth 1 -name '*.txt' | wc -l)
done_n=$("$bin/parley" dead --data "$tmp" --all --format jsonl 2>/dev/null | grep -c '"state":"done"' || true)
events=$("$bin/parley" query --db "$tmp" --limit 100000 --format jsonl | wc -l)
if [ "$done_n" -ne "$articles" ] || [ "$events" -eq 0 ]; then
    echo "multihost: $done_n of $articles articles done, $events events stored" >&2
    tail -5 "$tmp"/*.log >&2
    exit 1
fi
if ! grep -q "extractor ready" "$tmp/fetcher.log"; then
    echo "multihost: no extractor registered with the fetcher" >&2
    exit 1
fi
echo "multihost: $articles articles coded by extractors on another host over CURVE: $events events"
