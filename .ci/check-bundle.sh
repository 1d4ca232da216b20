#!/usr/bin/env bash
# Checks a Central Portal bundle (the zip .ci/release-bundle.sh makes) against Maven Central's published
# requirements (central.sonatype.org/publish/requirements), before anything is uploaded:
#   - the Maven repository layout: every file under groupId/artifactId/version/, named artifactId-version[-classifier].ext,
#     with the coordinates of the POM (no SNAPSHOT: Central takes releases only), nothing else (no maven-metadata.xml);
#   - every file signed (.asc) and checksummed (.md5 and .sha1, each matching the file); with --verify-signatures each
#     signature is verified by gpg (the signing key must be in gpg's keyring: GNUPGHOME);
#   - the POM complete: name, description, url, licenses (name and url), developers (a name), scm (url and connection),
#     and issueManagement (this project's own rule);
#   - the main jar with classes, the -sources.jar with the .java files and the -javadoc.jar with index.html; and this
#     project's attached artifacts: the -cli.jar (a Main-Class manifest) and the CycloneDX SBOM (-cyclonedx.json).
# Prints the bundle's files and each check; exits non-zero on the first failed requirement list.
# Usage: .ci/check-bundle.sh [--verify-signatures] BUNDLE.zip
set -euo pipefail
verify=0
if [[ ${1:-} == --verify-signatures ]]; then verify=1; shift; fi
bundle=${1:?usage: check-bundle.sh [--verify-signatures] BUNDLE.zip}
[[ -f $bundle ]] || { echo "[bundle] no such file: $bundle" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
unzip -q "$bundle" -d "$dir"
python3 - "$dir" "$verify" <<'PY'
import hashlib, os, re, subprocess, sys, zipfile
import xml.etree.ElementTree as ET

root, verify = sys.argv[1], sys.argv[2] == "1"
NS = {"m": "http://maven.apache.org/POM/4.0.0"}
SIDE = (".asc", ".md5", ".sha1", ".sha256", ".sha512")
problems, passed = [], []

def check(ok, what):
    (passed if ok else problems).append(what)
    print(f"[bundle] {'ok  ' if ok else 'FAIL'} {what}")
    return ok

files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
print(f"[bundle] {len(files)} files:")
for f in files:
    print(f"[bundle]   {f}  ({os.path.getsize(os.path.join(root, f))} bytes)")

poms = [f for f in files if f.endswith(".pom")]
if not check(len(poms) == 1, f"exactly one POM (found {len(poms)})"):
    sys.exit(1)
pom_path = poms[0]
pom = ET.parse(os.path.join(root, pom_path)).getroot()
def text(path):
    e = pom.find(path, NS)
    return (e.text or "").strip() if e is not None else ""
group, artifact, version = text("m:groupId"), text("m:artifactId"), text("m:version")
packaging = text("m:packaging") or "jar"
check(pom.find("m:parent", NS) is None, "the POM stands alone (no parent to publish with it)")

# coordinates and layout
check(bool(group and artifact and version), f"coordinates present: {group}:{artifact}:{version}")
check(not version.endswith("-SNAPSHOT") and bool(re.fullmatch(r"\d+\.\d+\.\d+([.-][0-9A-Za-z.-]+)?", version)),
      f"a release version ({version}), not a SNAPSHOT")
base = "/".join(group.split(".") + [artifact, version])
check(pom_path == f"{base}/{artifact}-{version}.pom", f"the POM at {base}/{artifact}-{version}.pom")
outside = [f for f in files if os.path.dirname(f) != base]
check(not outside, f"every file in {base}/" + (f" (not: {outside})" if outside else ""))
metadata = [f for f in files if "maven-metadata" in f]
check(not metadata, "no maven-metadata files" + (f" ({metadata})" if metadata else ""))
prefix = f"{artifact}-{version}"
primary = [f for f in files if not f.endswith(SIDE)]
misnamed = [f for f in primary if not re.fullmatch(re.escape(prefix) + r"(-[A-Za-z0-9_.]+)?\.[a-z0-9.]+", os.path.basename(f))]
check(not misnamed, f"every artifact named {prefix}[-classifier].ext" + (f" (not: {misnamed})" if misnamed else ""))
orphans = [f for f in files if f.endswith(SIDE) and re.sub(r"\.(asc|md5|sha1|sha256|sha512)$", "", f) not in files]
check(not orphans, "no signature or checksum without its file" + (f" ({orphans})" if orphans else ""))

# signatures and checksums
for f in primary:
    path = os.path.join(root, f)
    data = open(path, "rb").read()
    name = os.path.basename(f)
    check(f + ".asc" in files, f"{name}: signed (.asc)")
    for algo in ("md5", "sha1"):
        side = f"{f}.{algo}"
        if check(side in files, f"{name}: .{algo} present"):
            want = open(os.path.join(root, side)).read().split()[0].strip().lower()
            check(want == hashlib.new(algo, data).hexdigest(), f"{name}: .{algo} matches")
    for algo in ("sha256", "sha512"):  # optional; must be right when present
        if f"{f}.{algo}" in files:
            want = open(os.path.join(root, f"{f}.{algo}")).read().split()[0].strip().lower()
            check(want == hashlib.new(algo, data).hexdigest(), f"{name}: .{algo} matches")
    if verify and f + ".asc" in files:
        r = subprocess.run(["gpg", "--batch", "--verify", path + ".asc", path], capture_output=True, text=True)
        check(r.returncode == 0, f"{name}: signature verifies" + ("" if r.returncode == 0 else f" ({r.stderr.strip()})"))

# the POM's metadata
check(text("m:name") != "", f"POM name: {text('m:name')!r}")
check(text("m:description") != "", "POM description present")
check(text("m:url").startswith("https://"), f"POM url: {text('m:url')!r}")
lic = pom.findall("m:licenses/m:license", NS)
check(bool(lic) and all((l.findtext("m:name", "", NS).strip() and l.findtext("m:url", "", NS).strip()) for l in lic),
      "POM licenses: " + ", ".join(l.findtext("m:name", "", NS) for l in lic))
devs = pom.findall("m:developers/m:developer", NS)
check(bool(devs) and all(d.findtext("m:name", "", NS).strip() for d in devs),
      "POM developers: " + ", ".join(d.findtext("m:name", "", NS) for d in devs))
check(text("m:scm/m:url") != "" and text("m:scm/m:connection") != "",
      f"POM scm: url {text('m:scm/m:url')!r}, connection {text('m:scm/m:connection')!r}")
check(text("m:issueManagement/m:url") != "", f"POM issueManagement: {text('m:issueManagement/m:url')!r}")
check(packaging == "jar", f"packaging jar ({packaging})")

# the artifacts
def names(suffix):
    f = f"{base}/{prefix}{suffix}"
    if f not in files:
        return []
    with zipfile.ZipFile(os.path.join(root, f)) as z:
        return z.namelist()
main, sources, javadoc, cli = names(".jar"), names("-sources.jar"), names("-javadoc.jar"), names("-cli.jar")
check(any(n.endswith(".class") for n in main), f"{prefix}.jar holds classes")
check(any(n.endswith(".java") for n in sources), f"{prefix}-sources.jar holds the sources")
main_classes = {n[:-6] for n in main if n.endswith(".class") and "$" not in n}
source_files = {n[:-5] for n in sources if n.endswith(".java")}
missing_sources = sorted(main_classes - source_files)
check(not missing_sources, "every top-level class has its source" + (f" (not: {missing_sources[:5]})" if missing_sources else ""))
check("index.html" in javadoc, f"{prefix}-javadoc.jar holds the javadoc (index.html)")
check(any(n == "io/github/azuremi/jdbc/ManagedIdentityDataSource.html" or n.endswith("/io/github/azuremi/jdbc/ManagedIdentityDataSource.html")
          for n in javadoc), "the javadoc documents the API (ManagedIdentityDataSource.html)")
if check(bool(cli), f"{prefix}-cli.jar present (the check command)"):
    with zipfile.ZipFile(os.path.join(root, f"{base}/{prefix}-cli.jar")) as z:
        manifest = z.read("META-INF/MANIFEST.MF").decode()
    check("Main-Class: io.github.azuremi.jdbc.cli.Main" in manifest, f"{prefix}-cli.jar runs io.github.azuremi.jdbc.cli.Main")
sbom = f"{base}/{prefix}-cyclonedx.json"
if check(sbom in files, f"{prefix}-cyclonedx.json present (the SBOM)"):
    import json
    doc = json.load(open(os.path.join(root, sbom)))
    comp = doc.get("metadata", {}).get("component", {})
    check(doc.get("bomFormat") == "CycloneDX" and comp.get("purl", "").startswith(f"pkg:maven/{group}/{artifact}@{version}"),
          f"the SBOM describes {comp.get('purl')} with {len(doc.get('components', []))} components")
check(f"{base}/{prefix}-tests.jar" not in files, "no test fixtures jar (-tests.jar stays local)")
local = [f for f in (pom_path, sbom) if f in files and "file:/" in open(os.path.join(root, f), encoding="utf-8").read()]
check(not local, "no local path (file:/) in the POM or the SBOM" + (f" ({local})" if local else ""))

print(f"[bundle] {len(passed)} checks passed, {len(problems)} failed")
if problems:
    print("[bundle] FAILED: " + "; ".join(problems))
    sys.exit(1)
PY
