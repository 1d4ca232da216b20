# shellcheck shell=bash
# Sourced by run.sh (its helpers: case_, build, say, free_port, psql_admin, $java17, $logs, $here, MAVEN_OPTS).
# URL-only tools and pools (issue 12): DriverManager, Flyway, Liquibase, Tomcat's JDBC pool and Commons DBCP2, each
# logging in ONLY through the driver-level token plugin named in its JDBC URL (no password anywhere, no
# ManagedIdentityDataSource), against PostgreSQL (pgjdbc) and MariaDB (Connector/J, MysqlNativePasswordAuthenticationPlugin),
# with the token checked by the server, across a token rotation of an identity endpoint of this block's own
# (short token life; it makes each new token the password of plugin_tools_app in both databases).
# All ten paths run in one JVM, so they share the library's one token cache: the endpoint mints one token per
# rotation for all of them. (Separate JVMs on one account would each refresh at their own jittered moment, and the
# first refresh would replace the password the others still present.) One case_ per (tool, database) reads that
# JVM's verdict for its path.

pt_user=plugin_tools_app
pt_lifetime=${PLUGINS_TOOLS_TOKEN_LIFETIME:-90}  # rotation at ~45 s: room for a slow phase 1 on a busy machine
pt_tools=(driver-manager flyway liquibase tomcat-jdbc dbcp2)
pt_dbs=(postgresql mariadb)
pt_failed_setup=
mariadb_admin() { mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root "$@"; }

# --- accounts of this block's own, idempotent; fresh schema/database per run (Flyway and Liquibase start empty) ---
psql_admin > "$logs/plugins-tools-setup.log" 2>&1 <<SQL || pt_failed_setup="cannot prepare PostgreSQL role $pt_user"
DO \$\$ BEGIN CREATE ROLE mi_token_users NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
DO \$\$ BEGIN CREATE ROLE $pt_user LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
GRANT mi_token_users TO $pt_user;
GRANT CONNECT ON DATABASE test TO $pt_user;
DROP SCHEMA IF EXISTS plugin_tools CASCADE;
CREATE SCHEMA plugin_tools AUTHORIZATION $pt_user;
SQL
mariadb_admin >> "$logs/plugins-tools-setup.log" 2>&1 <<SQL || pt_failed_setup="${pt_failed_setup:+$pt_failed_setup; }cannot prepare MariaDB user $pt_user"
CREATE USER IF NOT EXISTS '$pt_user'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('not-a-token-$RANDOM$RANDOM');
DROP DATABASE IF EXISTS plugin_tools;
CREATE DATABASE plugin_tools;
GRANT ALL PRIVILEGES ON plugin_tools.* TO '$pt_user'@'127.0.0.1';
SQL
# The servers must check the password of these accounts, or nothing below proves anything.
if [[ -z $pt_failed_setup ]]; then
  if PGPASSWORD="not-the-token-$RANDOM" psql -X -q -h 127.0.0.1 -U "$pt_user" -d test -c 'SELECT 1' >/dev/null 2>&1; then
    pt_failed_setup="PostgreSQL lets $pt_user in with a wrong password (pg_hba.conf must make +mi_token_users use scram-sha-256)"
  elif MYSQL_PWD="not-the-token-$RANDOM" mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u "$pt_user" -e 'SELECT 1' >/dev/null 2>&1; then
    pt_failed_setup="MariaDB lets $pt_user in with a wrong password"
  else
    say "plugins-tools: a wrong password is refused for $pt_user by PostgreSQL and by MariaDB"
  fi
fi

if [[ -n $pt_failed_setup ]]; then
  say "FAIL plugins-tools: $pt_failed_setup"; sed 's/^/    /' "$logs/plugins-tools-setup.log" | tail -n 20
  failed=$((failed + 1)); failures+=(plugins-tools-setup)
elif build plugins-tools clean package dependency:copy-dependencies -DoutputDirectory=target/lib; then
  # --- an identity endpoint of this block's own: short token life, both accounts ---
  pt_port=$(free_port)
  pt_endpoint="http://127.0.0.1:$pt_port/msi/token"
  "$java17" -Dtoken.lifetime.seconds="$pt_lifetime" "$here/identity-endpoint/IdentityEndpoint.java" "$pt_port" \
    "$pt_user" "mysql:$pt_user" > "$logs/plugins-tools-endpoint.log" 2>&1 &
  pt_endpoint_pid=$!
  trap 'kill $endpoint_pid $pt_endpoint_pid 2>/dev/null' EXIT
  for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$pt_port/" && break; sleep 0.5; done
  say "plugins-tools: identity endpoint on $pt_endpoint (pid $pt_endpoint_pid, tokens live $pt_lifetime s)"
  # The endpoint makes each token the password when it mints it, and PostgreSQL reads a role's password when a login
  # starts: a login whose own (first) token request made the endpoint mint would be refused. So the first token is
  # minted now, for the resource and client id the plugins ask for; it goes to /dev/null.
  curl -s -o /dev/null -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" \
    "$pt_endpoint?api-version=2019-08-01&resource=https://ossrdbms-aad.database.windows.net&client_id=$AZURE_CLIENT_ID"

  # The settings each tool gets: the URL (naming the plugin and the identity) and the user name, nothing else.
  pt_identity="credential=managed-identity&managedIdentityClientId=$AZURE_CLIENT_ID"
  pt_pg_plugin="authenticationPluginClassName=io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin&$pt_identity"
  pt_my_class=io.github.azuremi.jdbc.plugin.MysqlNativePasswordAuthenticationPlugin
  pt_my_plugin="authenticationPlugins=$pt_my_class&defaultAuthenticationPlugin=$pt_my_class&$pt_identity"
  pt=$here/plugins-tools/target
  t0=$SECONDS
  env IDENTITY_ENDPOINT="$pt_endpoint" "$java17" -cp "$pt/classes:$pt/lib/*" \
    -Dstats.url="http://127.0.0.1:$pt_port/stats" -Dtoken.lifetime.seconds="$pt_lifetime" -Ddb.user="$pt_user" \
    -Dpostgresql.url="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=plugin_tools" -Dpostgresql.plugin="$pt_pg_plugin" \
    -Dmariadb.url="jdbc:mysql://127.0.0.1:3306/plugin_tools?sslMode=DISABLED" -Dmariadb.plugin="$pt_my_plugin" \
    -Dliquibase.analytics.enabled=false \
    consumer.Main "${pt_tools[@]}" > "$logs/plugins-tools-run.log" 2>&1
  pt_rc=$?
  kill "$pt_endpoint_pid" 2>/dev/null; wait "$pt_endpoint_pid" 2>/dev/null
  trap 'kill $endpoint_pid 2>/dev/null' EXIT
  say "plugins-tools: one JVM for all paths, exit $pt_rc, $((SECONDS - t0)) s: $(grep -E '^plugins-tools:' "$logs/plugins-tools-run.log" | cut -c1-300)"
  grep -E '^(warm-up|phase 1|after [0-9]+ ms)' "$logs/plugins-tools-run.log" | sed 's/^/[consumers]   /'

  # pt_path TOOL/DB: that path's lines of the shared run; passes when it printed CONSUMER OK, and neither the run
  # nor the endpoint printed anything JWT-shaped (case_ checks only this case's own output)
  pt_path() {
    local path=$1 db=${1#*/}
    grep -E "^\[$db\] url:" "$logs/plugins-tools-run.log"
    grep -F "[$path]" "$logs/plugins-tools-run.log"
    if grep -qE 'eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}' "$logs/plugins-tools-run.log" "$logs/plugins-tools-endpoint.log"; then
      echo "a JWT-shaped string in plugins-tools-run.log or plugins-tools-endpoint.log"; return 1
    fi
    grep -qF "CONSUMER OK [$path]" "$logs/plugins-tools-run.log"
  }
  for pt_tool in "${pt_tools[@]}"; do
    for pt_db in "${pt_dbs[@]}"; do
      case_ "plugins-tools-$pt_tool-$pt_db" "CONSUMER OK \[$pt_tool/$pt_db\]" pt_path "$pt_tool/$pt_db"
    done
  done
else
  failed=$((failed + 1)); failures+=(build-plugins-tools)
fi
