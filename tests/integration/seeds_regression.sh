#!/bin/sh
# seeds_regression.sh PARLEY SHARED - codes the shared seed articles with `parley extract`
# and fails when
#   - the strict F1 against the gold events (SHARED/gold/score.py) falls below 0.85, or
#   - an evidence sentence came from a reader comment section or a related-links list: its
#     offsets must lie before the first such heading of its article (for seed 004, its
#     "2 comments" line) and must slice out its own words.
# Exits 77 (skipped) when SHARED or python3 is missing.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 PARLEY SHARED" >&2
    exit 64
fi
parley=$1
shared=$2

if [ ! -d "$shared/seeds" ] || [ ! -f "$shared/gold/score.py" ] ||
    [ ! -f "$shared/gold/seeds.jsonl" ]; then
    echo "seeds_regression: skipped: no seeds or gold in '$shared'" >&2
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "seeds_regression: skipped: python3 not found" >&2
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The bundled data folder, not whatever the environment points at.
unset PARLEY_DATA
if ! "$parley" extract --quiet "$shared"/seeds/*.txt >"$tmp/pred.jsonl"; then
    echo "seeds_regression: parley extract failed" >&2
    exit 1
fi

# score.py reads options as --key=value: a bare "--min-f1 0.85" would set the threshold to 1.
if ! python3 "$shared/gold/score.py" "$shared/gold/seeds.jsonl" "$tmp/pred.jsonl" \
    --min-f1=0.85 --metric=strict --verbose; then
    echo "seeds_regression: strict F1 below 0.85" >&2
    exit 1
fi

python3 - "$shared/seeds" "$tmp/pred.jsonl" <<'EOF'
import json, os, re, sys
from urllib.parse import unquote, urlparse

seeds, pred = sys.argv[1], sys.argv[2]
# Headings that open a reader comment section or a list of links to other stories.
CUT = re.compile(r"^\s*(\d+\s+(comments?|replies|responses)|comments?|reader comments|"
                 r"leave a (reply|comment)|you (may|might) also like|related( articles| stories"
                 r"| news| posts)?|more stories|read more|most read|recommended)\s*:?\s*$",
                 re.IGNORECASE)
HEADER_LINE = re.compile(rb"^[A-Za-z0-9_-]+:")


def body_offset(raw):
    """Bytes of a 'key: value' header block closed by '---' (parley strips it)."""
    pos = 0
    for n, line in enumerate(raw.split(b"\n")[:40]):
        if line.rstrip(b"\r ") == b"---":
            return pos + len(line) + 1 if n > 0 else 0
        if line.strip() and not HEADER_LINE.match(line):
            return 0
        pos += len(line) + 1
    return 0


def cut_offset(text):
    """Byte offset of the first comment or related-links heading, or None."""
    pos = 0
    for line in text.split(b"\n"):
        if CUT.match(line.decode("utf-8", "replace")):
            return pos
        pos += len(line) + 1
    return None


def words(s):
    return re.findall(r"\w+", s)


def subsequence(small, big):
    it = iter(big)
    return all(w in it for w in small)


errors = []
texts, cuts = {}, {}
for name in sorted(os.listdir(seeds)):
    if name.endswith(".txt"):
        with open(os.path.join(seeds, name), "rb") as f:
            raw = f.read()
        doc = name[:-4]
        texts[doc] = raw[body_offset(raw):]
        cuts[doc] = cut_offset(texts[doc])

seed004 = [d for d in texts if d.startswith("004_")]
if not seed004 or cuts[seed004[0]] is None:
    errors.append("seed 004 or its '2 comments' line is missing: the check would be empty")

checked = {d: 0 for d in texts}
with open(pred, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        m = json.loads(line)
        url = (m.get("article") or {}).get("url") or ""
        doc = os.path.basename(unquote(urlparse(url).path))
        doc = doc[:-4] if doc.endswith(".txt") else doc
        if doc not in texts:
            errors.append(f"line {n}: mention of an unknown article '{url}'")
            continue
        text, cut = texts[doc], cuts[doc]
        for e in m.get("evidence", []):
            start, end, etext = e["start"], e["end"], e["text"]
            checked[doc] += 1
            if not (0 <= start < end <= len(text)):
                errors.append(f"{doc}: evidence [{start}, {end}) outside the text")
                continue
            if cut is not None and end > cut:
                errors.append(f"{doc}: evidence from after the comments or related links "
                              f"(byte {cut}): {etext[:80]!r}")
            ew = words(etext)
            sw = words(text[start:end].decode("utf-8", "replace"))
            if not ew or ew[0] != sw[0] or ew[-1] != sw[-1] or not subsequence(ew, sw):
                errors.append(f"{doc}: evidence offsets [{start}, {end}) do not slice out "
                              f"{etext[:80]!r}")

if seed004 and checked[seed004[0]] == 0:
    errors.append("no mention from seed 004: the comments check would be empty")
for e in errors:
    print("seeds_regression:", e, file=sys.stderr)
if errors:
    sys.exit(1)
print(f"seeds_regression: {sum(checked.values())} evidence sentences checked")
EOF
