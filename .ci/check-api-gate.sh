#!/usr/bin/env bash
# Proves the API gate (pom.xml, japicmp; RELEASING.md "The API gate") fails on an incompatible change and lets the
# version say so. Nothing is released yet, so the gate of an ordinary build has no baseline; here, in a copy of the
# tree with a local repository of its own:
#   1. this tree's API becomes release 0.1.0 (BASELINE_JAR, the main jar of this tree built before, or built here);
#   2. version 0.1.1-SNAPSHOT (a patch) with one public method removed: the build must fail, naming the method;
#   3. the same change as 1.0.0-SNAPSHOT (a major): the build must pass, and the gate must have compared.
# Usage: .ci/check-api-gate.sh [BASELINE_JAR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
baseline_jar=${1:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/api-gate.XXXXXX")
trap 'rm -rf "$work"' EXIT
log() { echo "[api-gate] $*"; }
die() { echo "[api-gate] FAILED: $*" >&2; exit 1; }

# the tree as committed plus uncommitted files (not target/ or anything ignored)
mkdir -p "$work/src"
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$work/src"
# a local repository of its own: hard links of ~/.m2 (no download again), without this library
M2=$work/m2
mkdir -p "$M2"
if [[ -d $HOME/.m2/repository ]]; then
  cp -al "$HOME/.m2/repository/." "$M2/" 2>/dev/null || cp -a "$HOME/.m2/repository/." "$M2/"
fi
rm -rf "$M2/io/github/azuremi"
# only what the gate needs: the main jar (no tests, javadoc, sources, SBOM, formatter check, Spring metadata)
build() {
  (cd "$work/src" && mvn -B -Dmaven.repo.local="$M2" -Dmaven.test.skip=true -Dmaven.javadoc.skip=true \
    -Dmaven.source.skip=true -Dcyclonedx.skip=true -Dspotless.check.skip=true -Dexec.skip=true "$@")
}
set_version() { bash "$work/src/.ci/pom-version.sh" "$1" "$work/src/pom.xml" >/dev/null; }

log "1. this tree's API as release 0.1.0, in a local repository of the check's own"
set_version 0.1.0
if [[ -n $baseline_jar ]]; then
  [[ -f $baseline_jar ]] || die "no baseline jar $baseline_jar"
  build install:install-file -Dfile="$baseline_jar" -DpomFile="$work/src/pom.xml" > "$work/baseline.log" 2>&1 \
    || { tail -n 30 "$work/baseline.log"; die "could not install the baseline"; }
else
  build install > "$work/baseline.log" 2>&1 || { tail -n 30 "$work/baseline.log"; die "could not build the baseline"; }
fi

# the change: a public method of the API that nothing in src/main calls, removed with its comment
api=src/main/java/io/github/azuremi/jdbc/ManagedIdentityDataSource.java
method='public String getEffectiveTokenScope()'
python3 - "$work/src/$api" "$method" <<'PY' || die "cannot remove '$method' from $api: pick another public method here"
import sys
path, sig = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
start = next(i for i, l in enumerate(lines) if sig in l)
end = next(i for i in range(start, len(lines)) if lines[i] == "    }")
while start > 0 and lines[start - 1].strip().startswith(("/**", "*", "*/")):
    start -= 1
del lines[start:end + 1]
open(path, "w").write("\n".join(lines))
PY
grep -qF "$method" "$work/src/$api" && die "'$method' is still in $api"

log "2. 0.1.1-SNAPSHOT without ManagedIdentityDataSource.getEffectiveTokenScope(): the gate must fail the build"
set_version 0.1.1-SNAPSHOT
if build verify > "$work/patch.log" 2>&1; then
  tail -n 40 "$work/patch.log"
  die "a patch version that removes a public method passed the gate"
fi
grep -E "japicmp.*(incompatib|Incompatib)|Incompatibility detected" "$work/patch.log" | head -n 5 | sed 's/^/[api-gate]   /'
grep -q "getEffectiveTokenScope" "$work/patch.log" \
  || { tail -n 40 "$work/patch.log"; die "the build failed, but not at the gate naming getEffectiveTokenScope()"; }
grep -qE "Versions of archives indicate a patch change but binary incompatible changes found" "$work/patch.log" \
  || { tail -n 40 "$work/patch.log"; die "the build failed for another reason than the gate"; }
log "   failed as it must: $(grep -oE 'Versions of archives indicate a patch change but binary incompatible changes found' "$work/patch.log" | head -n 1)"

log "3. the same change as 1.0.0-SNAPSHOT (a major version): the gate must pass it"
set_version 1.0.0-SNAPSHOT
build verify > "$work/major.log" 2>&1 || { tail -n 40 "$work/major.log"; die "a major version with the change failed"; }
diff=$work/src/target/japicmp/api-gate.diff
[[ -f $diff ]] && grep -q "getEffectiveTokenScope" "$diff" \
  || { tail -n 40 "$work/major.log"; die "the gate did not compare against 0.1.0 (no $diff naming the method)"; }
log "   passed, having compared with 0.1.0: $(grep -m1 -E 'REMOVED.*getEffectiveTokenScope|getEffectiveTokenScope' "$diff" | sed 's/^ *//')"
log "the API gate fails an incompatible patch release and passes it as a major one"
