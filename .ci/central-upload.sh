#!/usr/bin/env bash
# Uploads a checked Central Portal bundle (.ci/release-bundle.sh, .ci/check-bundle.sh) through the Portal Publisher
# API and waits for Central's verdict. Used by .github/workflows/release.yml; RELEASING.md says how to run it by hand.
# Needs: CENTRAL_TOKEN_USERNAME and CENTRAL_TOKEN_PASSWORD (a user token of central.sonatype.com, never a password);
# CENTRAL_PUBLISHING_TYPE: AUTOMATIC (default: published once validated) or USER_MANAGED (validated, then published
# by hand on central.sonatype.com/publishing/deployments).
# Usage: .ci/central-upload.sh BUNDLE.zip DEPLOYMENT_NAME
set -euo pipefail
bundle=${1:?usage: central-upload.sh BUNDLE.zip DEPLOYMENT_NAME}
name=${2:?usage: central-upload.sh BUNDLE.zip DEPLOYMENT_NAME}
: "${CENTRAL_TOKEN_USERNAME:?CENTRAL_TOKEN_USERNAME (a Central Portal user token) is not set}"
: "${CENTRAL_TOKEN_PASSWORD:?CENTRAL_TOKEN_PASSWORD (a Central Portal user token) is not set}"
type=${CENTRAL_PUBLISHING_TYPE:-AUTOMATIC}
[[ $type == AUTOMATIC || $type == USER_MANAGED ]] || { echo "[central] CENTRAL_PUBLISHING_TYPE must be AUTOMATIC or USER_MANAGED, not '$type'" >&2; exit 2; }
api=${CENTRAL_API_URL:-https://central.sonatype.com/api/v1/publisher}

# the token goes to curl in a header file (mode 0600), never on a command line or in a log
headers=$(mktemp)
trap 'rm -f "$headers"' EXIT
chmod 0600 "$headers"
printf 'Authorization: Bearer %s\n' "$(printf '%s:%s' "$CENTRAL_TOKEN_USERNAME" "$CENTRAL_TOKEN_PASSWORD" | base64 | tr -d '\n')" > "$headers"

echo "[central] uploading $bundle as '$name' ($type)"
id=$(curl --fail-with-body --silent --show-error -X POST -H @"$headers" \
  -F "bundle=@$bundle;type=application/octet-stream" \
  "$api/upload?publishingType=$type&name=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$name")")
echo "[central] deployment $id"

# PENDING -> VALIDATING -> VALIDATED (USER_MANAGED stops here) -> PUBLISHING -> PUBLISHED; or FAILED
for _ in $(seq 1 180); do
  status=$(curl --fail-with-body --silent --show-error -X POST -H @"$headers" "$api/status?id=$id")
  state=$(python3 -c 'import json, sys; print(json.load(sys.stdin).get("deploymentState", "?"))' <<< "$status")
  echo "[central] $state"
  case $state in
    PUBLISHED) echo "[central] published"; exit 0 ;;
    VALIDATED) if [[ $type == USER_MANAGED ]]; then
                 echo "[central] validated: publish it on https://central.sonatype.com/publishing/deployments"; exit 0
               fi ;;
    FAILED) echo "[central] Central refused the deployment:"; python3 -m json.tool <<< "$status"; exit 1 ;;
  esac
  sleep 10
done
echo "[central] no verdict after 30 minutes; see https://central.sonatype.com/publishing/deployments (deployment $id)" >&2
exit 1
