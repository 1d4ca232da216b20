#!/usr/bin/env bash
# Prints the project's version from pom.xml; with an argument, sets it first (the <version> of the project itself,
# not of a dependency or plugin). Used by the release rehearsal in .ci/run and by the release workflow.
# Usage: .ci/pom-version.sh [NEW_VERSION] [POM]
set -euo pipefail
python3 - "${1:-}" "${2:-pom.xml}" <<'PY'
import re, sys
new, path = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
# the project's own version: in a POM without <parent> (as this one), the first <version>, before <properties>,
# <dependencies> and <build>
head_end = min(i for i in (text.find("<properties>"), text.find("<dependencies>"), text.find("<build>"), len(text)) if i >= 0)
m = re.search(r"<version>([^<]+)</version>", text[:head_end])
if not m or "<parent>" in text[:head_end]:
    sys.exit(f"cannot find the project's <version> in {path}")
if new:
    text = text[:m.start(1)] + new + text[m.end(1):]
    open(path, "w", encoding="utf-8").write(text)
    print(new)
else:
    print(m.group(1))
PY
