#!/usr/bin/env python3
"""latency.py BIN_DIR GEN_CORPUS [--rate R] [--articles N] [--density news|dense] - intake-to-
subscriber latency.

Starts `parley up` (store, fetcher watching an empty folder, one extractor, a tail writing
JSON lines) and, at a fixed offered load of R articles a second, moves generated articles
into the watched folder (written under a temporary name first, then renamed: the moment of
intake). Each event the tail prints is stamped on arrival; an article's latency is the time
from its rename to the first event that reports it reaching the subscriber. Prints p50, p90,
p99 and max over the articles that produced events, and how many arrived, as key=value.
--density is gen_corpus's: news (the event rate of real articles, the default) or dense.
"""
import os, subprocess, sys, tempfile, threading, time, json, shutil, argparse

ap = argparse.ArgumentParser()
ap.add_argument("bin")
ap.add_argument("gen")
ap.add_argument("--rate", type=float, default=200.0)
ap.add_argument("--articles", type=int, default=2000)
ap.add_argument("--density", default="news")
args = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="parley-lat.")
try:
    src, inbox, data = (os.path.join(tmp, d) for d in ("src", "in", "data"))
    os.mkdir(inbox)
    subprocess.run([args.gen, "--articles", str(args.articles), "--seed", "5", "--density",
                    args.density, src], check=True)
    names = sorted(os.listdir(src))
    # events name their articles by URL: the header's, or file:// and the path
    url_of = {}
    for n in names:
        with open(os.path.join(src, n), encoding="utf-8") as f:
            for line in f:
                if line.startswith("url:"):
                    url_of[line[4:].strip()] = n
                    break
                if line.strip() == "---":
                    break
    env = dict(os.environ, TMPDIR=tmp)
    up = subprocess.Popen([os.path.join(args.bin, "parley"), "up", "--data", data,
                           "--format", "jsonl", inbox],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                          bufsize=1, text=True)
    first = {}  # article file name -> arrival of its first event
    def reader():
        for line in up.stdout:
            t = time.monotonic()
            try:
                e = json.loads(line)
            except ValueError:
                continue
            for a in e.get("articles", []):
                url = a.get("url", "")
                name = url_of.get(url, os.path.basename(url))
                first.setdefault(name, t)
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    # wait until the pipeline is up: the tail connects and the fetcher watches
    time.sleep(3.0)
    sent = {}
    t0 = time.monotonic()
    for i, name in enumerate(names):
        due = t0 + i / args.rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        part = os.path.join(inbox, name + ".part")
        shutil.copyfile(os.path.join(src, name), part)
        os.rename(part, os.path.join(inbox, name))
        sent[name] = time.monotonic()
    offered = len(names) / (time.monotonic() - t0)
    # let the last ones through
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(first) < len(sent) * 0.97:
        time.sleep(0.2)
    time.sleep(1.0)
    up.terminate()
    try:
        up.wait(timeout=60)
    except subprocess.TimeoutExpired:
        up.kill()
    lat = sorted((first[n] - sent[n]) * 1000 for n in sent if n in first)
    if not lat:
        print("latency: no events arrived", file=sys.stderr)
        sys.exit(1)
    def pct(p):
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))]
    print(f"latency density={args.density} offered_per_s={offered:.0f} articles={len(sent)} "
          f"with_events={len(lat)} "
          f"p50_ms={pct(50):.1f} p90_ms={pct(90):.1f} p99_ms={pct(99):.1f} max_ms={lat[-1]:.1f}")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
