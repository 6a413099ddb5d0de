#!/bin/sh
# check_deploy.sh TOP - the container deployment, checked without a Docker engine.
#
# docker-compose.yml must pass `docker-compose config` (Debian's docker-compose), the
# extractor must scale (no fixed host port, no container name), every service must run as
# the image's user with exec-form commands and a stop grace period longer than the sockets'
# linger plus the time a daemon takes to stop; deploy/Dockerfile must build on a pinned
# Debian release in two stages, run the tests in the first, and run as a non-root user with
# exec-form CMD and HEALTHCHECK. Exits 77 when docker-compose is not installed.
set -eu
top=$1
if ! command -v docker-compose >/dev/null 2>&1; then
    echo "check_deploy: skipped: docker-compose not installed (Debian package docker-compose)" >&2
    exit 77
fi
cd "$top"
docker-compose -f docker-compose.yml config -q
docker-compose -f docker-compose.yml --profile postgres config >/tmp/parley-compose.$$.yml
trap 'rm -f /tmp/parley-compose.$$.yml' EXIT
python3 - /tmp/parley-compose.$$.yml deploy/Dockerfile deploy/config <<'PY'
import json, re, sys
import yaml
compose_path, dockerfile, confdir = sys.argv[1:4]
errors = []
c = yaml.safe_load(open(compose_path))
svcs = c.get("services", {})
for name in ("store", "fetcher", "extractor", "tail", "postgres"):
    if name not in svcs:
        errors.append(f"compose: no service {name}")
ex = svcs.get("extractor", {})
if ex.get("ports") or ex.get("container_name"):
    errors.append("compose: the extractor has host ports or a container name: --scale would fail")
if "postgres" in svcs and "postgres" not in (svcs["postgres"].get("profiles") or []):
    errors.append("compose: postgres must be behind the postgres profile")
def seconds(v):
    m = re.fullmatch(r"(\d+)(ms|s|m)?", str(v))
    if not m:
        return 0
    n = int(m.group(1))
    return n / 1000 if m.group(2) == "ms" else n * 60 if m.group(2) == "m" else n
def mounts(svc):
    """Volumes in either syntax, as dicts: source, target, ro, named."""
    out = []
    for v in svc.get("volumes", []):
        if isinstance(v, str):
            parts = v.split(":")
            src, tgt = parts[0], parts[1] if len(parts) > 1 else parts[0]
            ro = len(parts) > 2 and "ro" in parts[2].split(",")
            named = "/" not in src and not src.startswith(".")
        else:
            src, tgt = str(v.get("source", "")), v.get("target", "")
            ro = bool(v.get("read_only"))
            named = v.get("type") == "volume"
        out.append({"source": src, "target": tgt, "ro": ro, "named": named})
    return out
linger = 0
for f in ("store", "fetcher", "extractor"):
    text = open(f"{confdir}/{f}.cfg").read()
    m = re.search(r"linger_ms\s*=\s*(\d+)", text)
    linger = max(linger, int(m.group(1)) / 1000 if m else 1)
for name in ("store", "fetcher", "extractor", "tail"):
    s = svcs.get(name, {})
    if not isinstance(s.get("command"), list):
        errors.append(f"compose: {name}: command must be a list (exec form)")
    if seconds(s.get("stop_grace_period", "10s")) < linger + 2:
        errors.append(f"compose: {name}: stop_grace_period under linger ({linger} s) + 2 s")
    if name != "tail" and "healthcheck" not in s:
        errors.append(f"compose: {name}: no healthcheck")
    if not any(m["target"] == "/etc/parley" and m["ro"] and m["source"].endswith("deploy/config")
               for m in mounts(s)):
        errors.append(f"compose: {name}: deploy/config must be mounted read-only at /etc/parley")
for name in ("store", "fetcher"):
    if not any(m["named"] and m["target"] == "/var/lib/parley" for m in mounts(svcs.get(name, {}))):
        errors.append(f"compose: {name}: no named volume at /var/lib/parley")
lines = [l.strip() for l in open(dockerfile) if l.strip() and not l.lstrip().startswith("#")]
text = "\n".join(lines)
args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
froms = re.findall(r"^FROM (\S+)", text, re.M)
if len(froms) < 2:
    errors.append("Dockerfile: not multi-stage")
for f in froms:
    image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), f)
    if not re.fullmatch(r"debian:\d+(\.\d+)+-slim(@sha256:[0-9a-f]{64})?", image):
        errors.append(f"Dockerfile: base {image!r} is not a pinned debian slim release")
build = text.split("\nFROM ")[0] if text.count("\nFROM ") else text
if "ctest" not in text.split("FROM ${DEBIAN}\n")[0] and "ctest" not in build:
    errors.append("Dockerfile: the build stage does not run the tests")
final = text.rsplit("\nFROM ", 1)[-1]
user = re.findall(r"^USER (\S+)", final, re.M)
if not user or user[-1] in ("root", "0"):
    errors.append("Dockerfile: the runtime stage does not run as a non-root user")
for kw in ("CMD", "HEALTHCHECK"):
    m = re.search(rf"^{kw} (.*)$", final, re.M)
    if not m:
        errors.append(f"Dockerfile: no {kw}")
        continue
    body = m.group(1)
    if kw == "HEALTHCHECK":
        body = body[body.find("CMD ") + 4:] if "CMD " in body else ""
    try:
        ok = isinstance(json.loads(body), list)
    except ValueError:
        ok = False
    if not ok:
        errors.append(f"Dockerfile: {kw} is not in exec form")
if not re.search(r"^STOPSIGNAL SIGTERM$", final, re.M):
    errors.append("Dockerfile: STOPSIGNAL SIGTERM missing")
for e in errors:
    print("check_deploy:", e, file=sys.stderr)
print(f"check_deploy: compose ({len(svcs)} services) and Dockerfile ({len(froms)} stages) ok"
      if not errors else "check_deploy: failed")
sys.exit(1 if errors else 0)
PY
