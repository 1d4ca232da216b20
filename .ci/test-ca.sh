#!/usr/bin/env bash
# Makes a throw-away test CA and a server certificate for localhost, 127.0.0.1 and ::1 in DIR (the CA key is
# deleted once it has signed): DIR/ca.crt, DIR/server.crt, DIR/server.key, DIR/truststore.p12 (only the CA,
# PKCS12, password $2 or mids-test-truststore). Used by .ci/run and the GitHub workflow; nothing here is secret.
#   bash .ci/test-ca.sh DIR [TRUSTSTORE_PASSWORD]
set -euo pipefail
dir=$1
password=${2:-mids-test-truststore}
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.crt" -days 30 \
  -subj "/CN=managed-identity-datasource test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/server.key" -out "$work/server.csr" -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > "$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -out "$work/server.crt" -days 30 -extfile "$work/ext" 2>/dev/null
rm -f "$dir/truststore.p12"
keytool -importcert -noprompt -alias mids-test-ca -file "$work/ca.crt" -keystore "$dir/truststore.p12" \
  -storetype PKCS12 -storepass "$password" >/dev/null
cp "$work/ca.crt" "$work/server.crt" "$work/server.key" "$dir/"
chmod 0644 "$dir/ca.crt" "$dir/server.crt" "$dir/truststore.p12"
chmod 0600 "$dir/server.key"
