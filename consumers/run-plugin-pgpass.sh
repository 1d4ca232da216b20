# shellcheck shell=bash
# Sourced by run.sh (its helpers: case_, build, say, free_port, psql_admin, $java17, $logs, $here, MAVEN_OPTS).
# A stale pgpass line (issue 16, row 1): developer laptops, CI runners and bastions that run Flyway or Liquibase often
# have a ~/.pgpass, and pgjdbc copies its matching line into the login's password when the user gives none. The
# plugin must use the token anyway. The plugins-tools consumer (DriverManager and Flyway, URL-only, through
# PostgresAuthenticationPlugin) runs against PostgreSQL with a pgpass file holding an old static password for the role,
# once named by PGPASSFILE and once as ~/.pgpass of the JVM's home; its token login must succeed, and its login
# without the plugin must be refused for a wrong password (28P01, not "no password"): proof pgjdbc read the file.
# Needs the plugins-tools build of run-plugins-tools.sh (built again here if that block did not build it).

pp_user=plugin_pgpass_app
pp_lifetime=${PLUGIN_PGPASS_TOKEN_LIFETIME:-24}  # the consumer waits for one rotation (~ half of this)
pp_dir=$work/pgpass
pp_failed_setup=
mkdir -p "$pp_dir/home"
# the issue's line: this host and port, any database, the role, a password from before the token login
printf '# an old entry\n127.0.0.1:5432:*:%s:an-old-static-password\n' "$pp_user" > "$pp_dir/pgpass"
cp "$pp_dir/pgpass" "$pp_dir/home/.pgpass"
chmod 600 "$pp_dir/pgpass" "$pp_dir/home/.pgpass"

psql_admin > "$logs/plugin-pgpass-setup.log" 2>&1 <<SQL || pp_failed_setup="cannot prepare PostgreSQL role $pp_user"
DO \$\$ BEGIN CREATE ROLE mi_token_users NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
DO \$\$ BEGIN CREATE ROLE $pp_user LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
GRANT mi_token_users TO $pp_user;
GRANT CONNECT ON DATABASE test TO $pp_user;
DROP SCHEMA IF EXISTS plugin_pgpass_env CASCADE;
DROP SCHEMA IF EXISTS plugin_pgpass_home CASCADE;
CREATE SCHEMA plugin_pgpass_env AUTHORIZATION $pp_user;
CREATE SCHEMA plugin_pgpass_home AUTHORIZATION $pp_user;
SQL
if [[ -z $pp_failed_setup ]] && PGPASSFILE="$pp_dir/pgpass" psql -X -q -h 127.0.0.1 -U "$pp_user" -d test -c 'SELECT 1' >/dev/null 2>&1; then
  pp_failed_setup="PostgreSQL lets $pp_user in with the pgpass password (pg_hba.conf must make +mi_token_users use scram-sha-256)"
fi

if [[ -n $pp_failed_setup ]]; then
  say "FAIL plugin-pgpass: $pp_failed_setup"; sed 's/^/    /' "$logs/plugin-pgpass-setup.log" | tail -n 20
  failed=$((failed + 1)); failures+=(plugin-pgpass-setup)
elif [[ -d $here/plugins-tools/target/lib ]] || build plugins-tools clean package dependency:copy-dependencies -DoutputDirectory=target/lib; then
  pp_port=$(free_port)
  pp_endpoint="http://127.0.0.1:$pp_port/msi/token"
  "$java17" -Dtoken.lifetime.seconds="$pp_lifetime" "$here/identity-endpoint/IdentityEndpoint.java" "$pp_port" "$pp_user" \
    > "$logs/plugin-pgpass-endpoint.log" 2>&1 &
  pp_endpoint_pid=$!
  trap 'kill $endpoint_pid $pp_endpoint_pid 2>/dev/null' EXIT
  for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$pp_port/" && break; sleep 0.5; done
  # the first token is minted before the consumer starts (see run-plugins-tools.sh: PostgreSQL reads the password
  # when a login starts)
  curl -s -o /dev/null -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" \
    "$pp_endpoint?api-version=2019-08-01&resource=https://ossrdbms-aad.database.windows.net&client_id=$AZURE_CLIENT_ID"
  pp_plugin="authenticationPluginClassName=io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin&credential=managed-identity&managedIdentityClientId=$AZURE_CLIENT_ID"
  pt=$here/plugins-tools/target
  # pp_run WHERE ENV...: the consumer (DriverManager and Flyway on PostgreSQL only), schema plugin_pgpass_WHERE
  pp_run() {
    local where=$1; shift
    env IDENTITY_ENDPOINT="$pp_endpoint" "$@" "$java17" -cp "$pt/classes:$pt/lib/*" \
      -Dstats.url="http://127.0.0.1:$pp_port/stats" -Dtoken.lifetime.seconds="$pp_lifetime" -Ddb.user="$pp_user" \
      -Ddbs=postgresql -Dpostgresql.url="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=plugin_pgpass_$where" \
      -Dpostgresql.plugin="$pp_plugin" \
      consumer.Main driver-manager flyway
  }
  # the consumer exits 0 only when both paths passed; the line proves the login without the plugin met the pgpass
  # password (28P01), not "no password given" (08004)
  pp_expect='CONSUMER OK \[driver-manager/postgresql\].*refused-without-plugin=28P01'
  case_ plugin-pgpass-file-env "$pp_expect" pp_run env PGPASSFILE="$pp_dir/pgpass"
  # ~/.pgpass: pgjdbc looks in the JVM's user.home (HOME as well, for anything the JVM starts)
  case_ plugin-pgpass-home "$pp_expect" pp_run home HOME="$pp_dir/home" JAVA_TOOL_OPTIONS="-Duser.home=$pp_dir/home"
  kill "$pp_endpoint_pid" 2>/dev/null; wait "$pp_endpoint_pid" 2>/dev/null
  trap 'kill $endpoint_pid 2>/dev/null' EXIT
else
  failed=$((failed + 1)); failures+=(build-plugins-tools-for-pgpass)
fi
