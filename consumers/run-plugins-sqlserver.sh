# shellcheck shell=bash
# Sourced by run.sh (its helpers: case_, build, say, free_port, $java17, $logs, $here, $root, MAVEN_OPTS).
# The SQL Server driver plugin (issue 16 row 2): a project with only this library, mssql-jdbc and slf4j-simple, against
# the library's fake TDS server (taken from the tree's target/test-classes, which "mvn install -DskipTests" above
# compiled) on a non-loopback address with a self-signed certificate. The case fails if the fake ever receives a
# token over a transport mssql-jdbc did not verify, or if the verified form does not log in.

ps_tds=$root/target/test-classes/io/github/azuremi/jdbc/testsupport/tds/FakeTdsServer.class
if [[ ! -f $ps_tds ]]; then
  say "FAIL plugins-sqlserver: no $ps_tds (the library's test classes were not compiled)"
  failed=$((failed + 1)); failures+=(plugins-sqlserver-setup)
elif build plugins-sqlserver clean package dependency:copy-dependencies -DoutputDirectory=target/lib; then
  # an identity endpoint of this block's own, with no database role: its tokens must not become anyone's password
  ps_port=$(free_port)
  "$java17" "$here/identity-endpoint/IdentityEndpoint.java" "$ps_port" > "$logs/plugins-sqlserver-identity-endpoint.log" 2>&1 &
  ps_endpoint_pid=$!
  trap 'kill $endpoint_pid $ps_endpoint_pid 2>/dev/null' EXIT
  for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$ps_port/" && break; sleep 0.5; done
  ps=$here/plugins-sqlserver/target
  case_ plugins-sqlserver "CONSUMER OK \[plugins-sqlserver\]" env IDENTITY_ENDPOINT="http://127.0.0.1:$ps_port/msi/token" \
    "$java17" -cp "$ps/classes:$ps/lib/*:$root/target/test-classes" -Dazuremi.managedIdentityClientId="$AZURE_CLIENT_ID" \
    consumer.Main
  kill "$ps_endpoint_pid" 2>/dev/null; wait "$ps_endpoint_pid" 2>/dev/null
  trap 'kill $endpoint_pid 2>/dev/null' EXIT
  # the endpoint minted the token of the verified login, and only for Azure SQL's audience
  case_ plugins-sqlserver-endpoint "issued a token for https://database.windows.net" cat "$logs/plugins-sqlserver-identity-endpoint.log"
else
  failed=$((failed + 1)); failures+=(build-plugins-sqlserver)
fi
