#!/usr/bin/env bash
# Reproducible build check: the artifacts of two builds of one commit, made in two clean directories, must be
# byte-identical (pom.xml's project.build.outputTimestamp fixes every archive entry's time). Compares every jar and
# the SBOM that both target directories have, and requires the main, -sources, -javadoc and -cli jars and the SBOM
# among them. On a difference, names the entries that differ.
# Usage: .ci/check-reproducible.sh TARGET_DIR_A TARGET_DIR_B
set -euo pipefail
python3 - "${1:?usage: check-reproducible.sh TARGET_A TARGET_B}" "${2:?usage: check-reproducible.sh TARGET_A TARGET_B}" <<'PY'
import hashlib, os, sys, zipfile
a, b = sys.argv[1], sys.argv[2]
def artifacts(d):
    return {f for f in os.listdir(d) if f.endswith(".jar") or f.endswith("-cyclonedx.json")}
common = sorted(artifacts(a) & artifacts(b))
required = ["-sources.jar", "-javadoc.jar", "-cli.jar", "-cyclonedx.json"]
problems = []
mains = [f for f in common if f.endswith(".jar") and not any(f.endswith(s) for s in required + ["-tests.jar"])]
if len(mains) != 1:
    problems.append(f"one main jar in both (found {mains})")
for suffix in required:
    if not any(f.endswith(suffix) for f in common):
        problems.append(f"a *{suffix} in both {a} and {b}")
for f in common:
    da, db = (open(os.path.join(d, f), "rb").read() for d in (a, b))
    ha, hb = hashlib.sha256(da).hexdigest(), hashlib.sha256(db).hexdigest()
    if ha == hb:
        print(f"[reproducible] same  {f}  sha256 {ha[:16]}  ({len(da)} bytes)")
        continue
    print(f"[reproducible] DIFF  {f}: {ha[:16]} != {hb[:16]}")
    problems.append(f)
    if f.endswith(".jar"):
        za, zb = zipfile.ZipFile(os.path.join(a, f)), zipfile.ZipFile(os.path.join(b, f))
        ia = {i.filename: (i.CRC, i.date_time) for i in za.infolist()}
        ib = {i.filename: (i.CRC, i.date_time) for i in zb.infolist()}
        diff = sorted(n for n in ia.keys() | ib.keys() if ia.get(n) != ib.get(n))
        print(f"[reproducible]       {len(diff)} entries differ (content or time): {diff[:10]}")
        if not diff and [i.filename for i in za.infolist()] != [i.filename for i in zb.infolist()]:
            print("[reproducible]       the entries' order differs")
print(f"[reproducible] {len(common) - len([p for p in problems if p in common])} of {len(common)} artifacts identical")
if problems:
    print("[reproducible] FAILED: " + "; ".join(problems), flush=True)
    sys.exit(1)
PY
