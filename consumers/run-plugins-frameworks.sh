# Sourced by run.sh (its helpers: case_, not_in, build, say, free_port, psql_admin, $java17, $java25, $logs, $here).
# --- the library's driver-level plugins in the frameworks' own pools (docs/driver-plugins.md) ------
# Spring Boot 3.5 and 4.0 (Boot's HikariCP), Quarkus 3.33 (Agroal, two named datasources) and Micronaut 4.10
# (micronaut-jdbc-hikari, two named datasources), each with the library as a plain dependency and only URL and
# username properties, log in to PostgreSQL and to MariaDB (Connector/J) across a token rotation: each run has an
# identity endpoint of its own whose tokens live $plugins_fw_lifetime s (a new one every half of it, which becomes the
# password of the PostgreSQL role and of the MariaDB account, replacing the old one), and the application goes on
# opening new physical connections until two have logged in after a new token was minted (consumers/plugins-*/
# PluginCheck.java).
plugins_fw_started=$SECONDS
plugins_fw_user=plugin_fw_app
plugins_fw_lifetime=${PLUGINS_FW_TOKEN_SECONDS:-20}
plugins_fw_mariadb() { mariadb --protocol=tcp -h 127.0.0.1 -P 3306 "$@"; }

# plugins_fw_case NAME DIR EXPECT CMD...: case_ with an identity endpoint of its own (the environment of CMD points at
# it), CMD run in consumers/DIR (as users start an application from its own directory: from the repository's root,
# Spring Boot would also read config/spring/application.yml, through its default location ./config/*/); afterwards
# the endpoint's log must show at least two tokens issued
plugins_fw_case() {
  local name=$1 dir=$2 expect=$3; shift 3
  local port pid endpoint_log=$logs/$name-identity-endpoint.log
  port=$(free_port)
  # bounded: the endpoint goes away by itself should this script be killed
  timeout 600 "$java17" -Dtoken.lifetime.seconds="$plugins_fw_lifetime" "$here/identity-endpoint/IdentityEndpoint.java" \
    "$port" "$plugins_fw_user" "mysql:$plugins_fw_user" > "$endpoint_log" 2>&1 &
  pid=$!
  for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$port/stats" && break; sleep 0.5; done
  # The first token is minted before the application starts: PostgreSQL reads a role's password when a login begins,
  # and a token minted (ALTER ROLE) while the driver plugin waits for it in the middle of that login would be compared
  # with the role's previous password. (Azure validates the token itself: there a first login just waits for it.) An
  # application slower to start than half a token's life meets that race anyway: PluginCheck then tries that login
  # once more and says so.
  curl -s -o /dev/null -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" \
    "http://127.0.0.1:$port/msi/token?api-version=2019-08-01&resource=https://ossrdbms-aad.database.windows.net&client_id=$AZURE_CLIENT_ID"
  case_ "$name" "$expect" env -C "$here/$dir" IDENTITY_ENDPOINT="http://127.0.0.1:$port/msi/token" "$@"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  local issued
  issued=$(grep -c 'issued a token' "$endpoint_log")
  if ((issued < 2)) && ! [[ " ${failures[*]} " == *" $name "* ]]; then
    passed=$((passed - 1)); failed=$((failed + 1)); failures+=("$name")
    say "FAIL $name: its identity endpoint issued $issued token(s), expected at least 2 (a rotation)"
  fi
}

# The accounts (idempotent): a PostgreSQL role in mi_token_users (so the server checks the password) and a MariaDB
# account on database test; the endpoint sets both passwords to each new token. A wrong password must be refused.
if psql_admin <<'SQL' && plugins_fw_mariadb -u root -e "CREATE USER IF NOT EXISTS '$plugins_fw_user'@'127.0.0.1' IDENTIFIED BY 'not-a-token-$RANDOM$RANDOM'; GRANT ALL PRIVILEGES ON test.* TO '$plugins_fw_user'@'127.0.0.1';"
DO $$ BEGIN CREATE ROLE plugin_fw_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT mi_token_users TO plugin_fw_app;
GRANT CONNECT ON DATABASE test TO plugin_fw_app;
SQL
then
  case_ plugins-fw-postgresql-wrong-password "password authentication failed for user \"$plugins_fw_user\"" \
    bash -c "! PGPASSWORD=not-the-token-\$RANDOM psql -X -h 127.0.0.1 -U $plugins_fw_user -d test -c 'SELECT 1' 2>&1"
  case_ plugins-fw-mariadb-wrong-password "Access denied for user '$plugins_fw_user'@'127.0.0.1'" \
    bash -c "! mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u $plugins_fw_user -pnot-the-token-\$RANDOM -e 'SELECT 1' 2>&1"

  # Spring Boot: one application (plugins-spring-boot-app) built with Boot 3.5.7's and 4.0.7's parents; the profile
  # picks the database. Boot 4.0 with MariaDB runs on Java 25 when there is one.
  for boot in 3.5 4.0; do
    if build "plugins-spring-boot-$boot" clean package -DskipTests; then
      jar=$here/plugins-spring-boot-$boot/target/plugins-spring-boot-$boot-1.jar
      for db in postgresql mysql; do
        java=$java17
        [[ $boot == 4.0 && $db == mysql && -n $java25 ]] && java=$java25
        plugins_fw_case "plugins-spring-boot-$boot-$db" "plugins-spring-boot-$boot" "CONSUMER OK \[spring-boot-$boot\.[0-9]+/$db\]" \
          "$java" -jar "$jar" --spring.profiles.active=$db
        [[ $java == "$java25" ]] && not_in "plugins-spring-boot-$boot-$db" 'sun\.misc\.Unsafe|System::loadLibrary|restricted method'
      done
    else
      failed=$((failed + 1)); failures+=("build-plugins-spring-boot-$boot")
    fi
  done

  # Quarkus (JVM mode, fast-jar) and Micronaut (the platform parent's shaded jar): the argument picks the datasource
  if build plugins-quarkus clean package -DskipTests; then
    for db in postgresql mysql; do
      plugins_fw_case "plugins-quarkus-$db" plugins-quarkus "CONSUMER OK \[quarkus/$db\]" \
        "$java17" -jar "$here/plugins-quarkus/target/quarkus-app/quarkus-run.jar" $db
    done
    # docs/driver-plugins.md's Azure form, verified TLS with the JDK trust store (here a trust store of the CI test CA, which signed
    # the local servers' certificates for localhost; .ci/run makes it): the URLs given as system properties, as a
    # Quarkus user overrides application.properties
    plugins_fw_truststore=${MIDS_TEST_TLS_TRUSTSTORE:-/var/lib/mids-test-tls/truststore.p12}
    if [[ -f $plugins_fw_truststore ]]; then
      plugins_fw_tls=(-Djavax.net.ssl.trustStore="$plugins_fw_truststore"
        -Djavax.net.ssl.trustStorePassword="${MIDS_TEST_TLS_TRUSTSTORE_PASSWORD:-mids-test-truststore}")
      plugins_fw_case plugins-quarkus-postgresql-verify-full plugins-quarkus "CONSUMER OK \[quarkus/postgresql\].*TLS TLSv1" "$java17" "${plugins_fw_tls[@]}" \
        "-Dquarkus.datasource.postgresql.jdbc.url=jdbc:postgresql://localhost:5432/test?sslmode=verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory&authenticationPluginClassName=io.github.azuremi.jdbc.plugin.PostgresAuthenticationPlugin&credential=managed-identity&managedIdentityClientId=$AZURE_CLIENT_ID" \
        -jar "$here/plugins-quarkus/target/quarkus-app/quarkus-run.jar" postgresql
      plugins_fw_case plugins-quarkus-mysql-verify-identity plugins-quarkus "CONSUMER OK \[quarkus/mysql\].*TLS TLSv1" "$java17" "${plugins_fw_tls[@]}" \
        "-Dquarkus.datasource.mysql.jdbc.url=jdbc:mysql://localhost:3306/test?sslMode=VERIFY_IDENTITY&authenticationPlugins=io.github.azuremi.jdbc.plugin.MysqlNativePasswordAuthenticationPlugin&defaultAuthenticationPlugin=io.github.azuremi.jdbc.plugin.MysqlNativePasswordAuthenticationPlugin&credential=managed-identity&managedIdentityClientId=$AZURE_CLIENT_ID" \
        -jar "$here/plugins-quarkus/target/quarkus-app/quarkus-run.jar" mysql
    else
      say "no test CA trust store at $plugins_fw_truststore (.ci/run makes it): the verified-TLS Quarkus runs are left out"
    fi
  else
    failed=$((failed + 1)); failures+=(build-plugins-quarkus)
  fi
  if build plugins-micronaut clean package -DskipTests; then
    for db in postgresql mysql; do
      plugins_fw_case "plugins-micronaut-$db" plugins-micronaut "CONSUMER OK \[micronaut-4[.0-9]+/$db\]" \
        "$java17" -jar "$here/plugins-micronaut/target/plugins-micronaut-1.jar" $db
    done
  else
    failed=$((failed + 1)); failures+=(build-plugins-micronaut)
  fi
else
  say "cannot prepare the accounts $plugins_fw_user (PostgreSQL, MariaDB): the framework plugin consumers are left out"
  failed=$((failed + 1)); failures+=(plugins-fw-accounts)
fi
say "driver plugins in Spring Boot, Quarkus and Micronaut took $((SECONDS - plugins_fw_started)) s"
