#!/usr/bin/env bash
# Builds the Central Portal bundle, uploading nothing: `mvn -Prelease deploy`, deploying to the directory
# target/central-staging, signs every artifact with GPG and stages it there with its .md5 and .sha1 (a Maven
# repository layout), then the version's directory is
# zipped into target/central-bundle.zip (without maven-metadata.xml, which Central makes itself, and without the
# -tests.jar of benchmarks/). Check it with
# .ci/check-bundle.sh; the release workflow uploads it (RELEASING.md).
# Needs: a release version in pom.xml (Central takes no SNAPSHOT); gpg with the signing key (GNUPGHOME; -Dgpg.keyname=
# when the keyring has several) and its passphrase in MAVEN_GPG_PASSPHRASE.
# Usage: .ci/release-bundle.sh [more mvn arguments, e.g. -DskipTests when the tests ran before]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=$(bash .ci/pom-version.sh)
if [[ $version == *-SNAPSHOT ]]; then
  echo "[release-bundle] pom.xml has version $version: Maven Central takes releases only (RELEASING.md, step 1)" >&2
  exit 2
fi
rm -rf target/central-staging target/central-bundle.zip
mvn -B -Prelease -DaltDeploymentRepository="central-staging::file://$PWD/target/central-staging" "$@" deploy
pom=$(find target/central-staging -name "*-$version.pom" -print -quit)
[[ -n $pom ]] || { echo "[release-bundle] nothing staged in target/central-staging" >&2; exit 1; }
path=$(dirname "${pom#target/central-staging/}")
# the -tests.jar (the test fixtures benchmarks/ builds on) is staged too, but is not for Maven Central
(cd target/central-staging && zip -q -r -X ../central-bundle.zip "$path" -x '*maven-metadata*' -x '*-tests.jar*')
echo "[release-bundle] target/central-bundle.zip: $(unzip -Z1 target/central-bundle.zip | grep -vc '/$') files of $path"
