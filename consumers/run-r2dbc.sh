# Sourced by run.sh after run-plugins-frameworks.sh, whose plugins_fw_case it uses (an identity endpoint of each run's
# own whose tokens become the passwords of the PostgreSQL role and the MariaDB account $plugins_fw_user, here r2dbc_app,
# with a rotation every half of $plugins_fw_lifetime s).
# --- R2DBC (README, "Reactive applications: R2DBC"): a Spring Boot WebFlux + Spring Data R2DBC application on Boot 3.5
# and 4.0 (Boot's BOM, spring.r2dbc.* only: r2dbc:azuremi:... with spring.r2dbc.pool.*) and a plain Reactor application (r2dbc:pool:azuremi:...), each to the
# local PostgreSQL (r2dbc-postgresql) and MariaDB (r2dbc-mariadb) over the library's default verified TLS (the JVM
# trusts the test CA, which signed the servers' certificates for localhost), across a token rotation
# (consumers/r2dbc-check: two new connections log in after a new token was minted). Boot also shows the token's health
# (UP) and metric through the actuator. Java 17 and 25: Boot 4.0 and the Reactor application's MariaDB run on 25.
r2dbc_started=$SECONDS
r2dbc_truststore=${MIDS_TEST_TLS_TRUSTSTORE:-/var/lib/mids-test-tls/truststore.p12}
r2dbc_ca=${MIDS_TEST_TLS_CA_FILE:-/var/lib/mids-test-tls/ca.crt}
if ! declare -F plugins_fw_case > /dev/null; then
  say "run-r2dbc.sh needs plugins_fw_case (source run-plugins-frameworks.sh first): the R2DBC consumers are left out"
  failed=$((failed + 1)); failures+=(r2dbc-setup)
elif ! psql_admin <<'SQL' || ! plugins_fw_mariadb -u root -e "CREATE USER IF NOT EXISTS 'r2dbc_app'@'127.0.0.1' IDENTIFIED BY 'not-a-token-$RANDOM$RANDOM'; GRANT SELECT ON test.* TO 'r2dbc_app'@'127.0.0.1';"
DO $$ BEGIN CREATE ROLE r2dbc_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT mi_token_users TO r2dbc_app;
GRANT CONNECT ON DATABASE test TO r2dbc_app;
SQL
then
  say "cannot prepare the accounts r2dbc_app (PostgreSQL, MariaDB): the R2DBC consumers are left out"
  failed=$((failed + 1)); failures+=(r2dbc-accounts)
elif [[ ! -f $r2dbc_truststore ]]; then
  say "no test CA trust store at $r2dbc_truststore (.ci/run makes it): the R2DBC consumers are left out"
  failed=$((failed + 1)); failures+=(r2dbc-truststore)
else
  r2dbc_tls=(-Djavax.net.ssl.trustStore="$r2dbc_truststore"
    -Djavax.net.ssl.trustStorePassword="${MIDS_TEST_TLS_TRUSTSTORE_PASSWORD:-mids-test-truststore}")
  # r2dbc_java BOOT DB: the Java of that run
  r2dbc_java() { if [[ -n $java25 && ( $1 == 4.0 || $1/$2 == reactor/mariadb ) ]]; then echo "$java25"; else echo "$java17"; fi; }
  for boot in 3.5 4.0; do
    if build "r2dbc-spring-boot-$boot" clean package -DskipTests; then
      jar=$here/r2dbc-spring-boot-$boot/target/r2dbc-spring-boot-$boot-1.jar
      for db in postgresql mariadb; do
        java=$(r2dbc_java $boot $db)
        plugins_fw_user=r2dbc_app plugins_fw_case "r2dbc-spring-boot-$boot-$db-java$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')" \
          "r2dbc-spring-boot-$boot" "CONSUMER OK \[spring-boot-$boot\.[0-9]+/$db\].*TLS TLSv1" \
          env MIDS_TEST_TLS_CA_FILE="$r2dbc_ca" "$java" "${r2dbc_tls[@]}" -jar "$jar" --spring.profiles.active=$db
      done
    else
      failed=$((failed + 1)); failures+=("build-r2dbc-spring-boot-$boot")
    fi
  done
  if build r2dbc-reactor clean package dependency:copy-dependencies -DoutputDirectory=target/lib; then
    for db in postgresql mariadb; do
      java=$(r2dbc_java reactor $db)
      plugins_fw_user=r2dbc_app plugins_fw_case "r2dbc-reactor-$db-java$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')" \
        r2dbc-reactor "CONSUMER OK \[reactor/$db\].*TLS TLSv1" \
        env DATABASE_USERNAME=r2dbc_app "$java" "${r2dbc_tls[@]}" -cp "target/classes:target/lib/*" consumer.Main $db
    done
  else
    failed=$((failed + 1)); failures+=(build-r2dbc-reactor)
  fi
fi
say "R2DBC consumers took $((SECONDS - r2dbc_started)) s"
