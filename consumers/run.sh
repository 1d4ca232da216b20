#!/usr/bin/env bash
# The consumer projects (CONTRIBUTING.md, "Consumer projects"): each built as its users build it, against the library of this
# working tree (installed first, without its tests, into a local repository of the run's own), each logging in to the local
# PostgreSQL through a local App Service managed-identity endpoint, with the token checked by the server.
# Needs: PostgreSQL on 127.0.0.1:5432 with pg_hba.conf making members of mi_token_users present a password
# (.ci/run prepares it), psql, curl, jcmd. Java 25 runs too when JAVA25_HOME (default Temurin 25) exists.
# MEASURE_HTTP_CLIENT=1 adds the HTTP-client comparison (cold start and Tomcat redeploy leak, Netty vs JDK).
# Ends with "N passed, M failed"; exits non-zero when any consumer failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$here/target
logs=$work/logs
rm -rf "$work" && mkdir -p "$logs"
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
java17=$(command -v java)
java25=$JAVA25_HOME/bin/java
[[ -x $java25 ]] || { echo "[consumers] no Java 25 at $JAVA25_HOME: its runs are left out"; java25=; }
started=$SECONDS
passed=0 failed=0 failures=()
say() { echo "[consumers] $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d test "$@"; }

# case NAME EXPECT CMD...: runs CMD (output to logs/NAME.log); passes when it exits 0, its output has EXPECT
# (an extended regex) and nothing JWT-shaped (a token must never reach a log).
case_() {
  local name=$1 expect=$2; shift 2
  local log=$logs/$name.log t0=$SECONDS
  "$@" > "$log" 2>&1
  local rc=$?
  local why=
  ((rc == 0)) || why="exit $rc"
  [[ -z $why ]] && ! grep -qE -- "$expect" "$log" && why="no line matching /$expect/"
  [[ -z $why ]] && grep -qE 'eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}' "$log" && why="a JWT-shaped string in the output"
  if [[ -z $why ]]; then
    passed=$((passed + 1))
    say "PASS $name ($((SECONDS - t0)) s): $(grep -E -- "$expect" "$log" | head -n 1 | cut -c1-400)"
  else
    failed=$((failed + 1)); failures+=("$name")
    say "FAIL $name ($((SECONDS - t0)) s): $why; last lines of $log:"
    tail -n 25 "$log" | sed 's/^/    /'
  fi
}
# not_in LOG REGEX: fails the last case if LOG has REGEX
not_in() {
  if grep -qE -- "$2" "$logs/$1.log"; then
    passed=$((passed - 1)); failed=$((failed + 1)); failures+=("$1")
    say "FAIL $1: its output has /$2/: $(grep -E -- "$2" "$logs/$1.log" | head -n 2 | tr '\n' ' ')"
  fi
}

# --- the library, installed into a local repository of this run's own ------------------------------------------
# Other builds on the machine may install their own 0.1.0-SNAPSHOT into ~/.m2 at any time: the consumers resolve
# from a private local repository (hard links of ~/.m2, without this library) where the library just built is
# installed (its tests are not run here: .ci/run ran them).
root=$(cd "$here/.." && pwd)
M2=$work/m2
mkdir -p "$M2"
if [[ -d $HOME/.m2/repository ]]; then
  cp -al "$HOME/.m2/repository/." "$M2/" 2>/dev/null || cp -a "$HOME/.m2/repository/." "$M2/"
fi
rm -rf "$M2/io/github/azuremi"
export MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$M2"
(cd "$root" && mvn -B -q install -DskipTests) > "$logs/install-library.log" 2>&1 \
  || { say "could not install the library:"; tail -n 30 "$logs/install-library.log"; exit 1; }
library_jar=$M2/io/github/azuremi/managed-identity-datasource/0.1.0-SNAPSHOT/managed-identity-datasource-0.1.0-SNAPSHOT.jar
[[ -f $library_jar ]] || { say "the library is not in $M2"; exit 1; }

# --- the identity and the database ------------------------------------------------------------------------
psql_admin <<'SQL' || { say "cannot prepare PostgreSQL roles"; exit 1; }
DO $$ BEGIN CREATE ROLE mi_token_users NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE consumer_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE consumer_unmapped LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT mi_token_users TO consumer_app;
GRANT mi_token_users TO consumer_unmapped;
GRANT CONNECT ON DATABASE test TO mi_token_users;
SQL
# The server must check the password of these roles, or no consumer below proves anything.
if PGPASSWORD="not-the-token-$RANDOM" psql -X -q -h 127.0.0.1 -U consumer_app -d test -c 'SELECT 1' >/dev/null 2>&1; then
  say "PostgreSQL lets consumer_app in with a wrong password: pg_hba.conf must make +mi_token_users use scram-sha-256 (.ci/run does)"
  exit 1
fi
port=$(free_port)
export IDENTITY_HEADER="consumers-$RANDOM$RANDOM$RANDOM"
export IDENTITY_ENDPOINT="http://127.0.0.1:$port/msi/token"
export DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/test"
export DATABASE_USERNAME=consumer_app
export AZURE_CLIENT_ID=5a0e5b4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c
"$java17" "$here/identity-endpoint/IdentityEndpoint.java" "$port" consumer_app > "$logs/identity-endpoint.log" 2>&1 &
endpoint_pid=$!
trap 'kill $endpoint_pid 2>/dev/null' EXIT
for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.5; done
say "identity endpoint on $IDENTITY_ENDPOINT (pid $endpoint_pid); library $library_jar (commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"

build() { local dir=$1; shift; (cd "$here/$dir" && mvn -B -q "$@") > "$logs/build-$dir.log" 2>&1 || { say "FAIL build of $dir:"; tail -n 30 "$logs/build-$dir.log"; return 1; }; }

# --- plain Java: quick start and Properties, without and with a logging backend, Java 17 and 25 --------------
if build plain-java clean package dependency:copy-dependencies -DoutputDirectory=target/lib \
   && build plain-java -Plogback dependency:copy-dependencies -DoutputDirectory=target/lib-logback; then
  pj=$here/plain-java/target
  case_ plain-java17-quickstart-no-backend "CONSUMER OK quickstart" "$java17" -cp "$pj/classes:$pj/lib/*" consumer.Main quickstart
  # without a backend SLF4J says so once and drops every line, ERROR included (docs/operations.md, "Logging")
  case_ plain-java17-properties-no-backend "No SLF4J providers were found" "$java17" -cp "$pj/classes:$pj/lib/*" consumer.Main properties
  case_ plain-java17-properties-logback "login with access tokens from ManagedIdentityCredential" "$java17" -cp "$pj/classes:$pj/lib-logback/*" consumer.Main properties
  if [[ -n $java25 ]]; then
    case_ plain-java25-quickstart-logback "CONSUMER OK quickstart" "$java25" -cp "$pj/classes:$pj/lib-logback/*" consumer.Main quickstart
    not_in plain-java25-quickstart-logback 'sun\.misc\.Unsafe|System::loadLibrary|restricted method'
    case_ plain-java25-properties-no-backend "CONSUMER OK properties" "$java25" -cp "$pj/classes:$pj/lib/*" consumer.Main properties
    not_in plain-java25-properties-no-backend 'sun\.misc\.Unsafe|System::loadLibrary|restricted method'
  fi
else
  failed=$((failed + 1)); failures+=(build-plain-java)
fi

# --- Spring Boot 3.5, 4.0, 4.1: auto-configuration (both switches), plain bean, actuator metrics and health ---
for boot in 3.5 4.0 4.1; do
  if build "spring-boot-$boot" clean package -DskipTests; then
    jar=$here/spring-boot-$boot/target/spring-boot-$boot-1.jar
    for profile in auto-enabled auto-type plain-bean; do
      case_ "spring-boot-$boot-$profile-java17" "CONSUMER OK \[$profile\]" "$java17" -jar "$jar" --spring.profiles.active=$profile
    done
    if [[ -n $java25 && $boot != 3.5 ]]; then
      case_ "spring-boot-$boot-auto-enabled-java25" "CONSUMER OK \[auto-enabled\]" "$java25" -jar "$jar" --spring.profiles.active=auto-enabled
    fi
  else
    failed=$((failed + 1)); failures+=("build-spring-boot-$boot")
  fi
done

# --- standalone Tomcat 10.1 (Java 17) and 11.0 (Java 25): JNDI resource, 3 redeploys, leak check ------------
if build tomcat-webapp clean package; then
  case_ tomcat-10.1.59-java17 "CONSUMER OK" bash "$here/tomcat.sh" 10.1.59 "$work/tomcat-10.1"
  if [[ -n $java25 ]]; then
    case_ tomcat-11.0.24-java25 "CONSUMER OK" env TOMCAT_JAVA_HOME="$JAVA25_HOME" bash "$here/tomcat.sh" 11.0.24 "$work/tomcat-11.0"
  else
    case_ tomcat-11.0.24-java17 "CONSUMER OK" bash "$here/tomcat.sh" 11.0.24 "$work/tomcat-11.0"
  fi
  grep -h '^\[tomcat' "$logs"/tomcat-*.log | grep -E 'leak check|stop-time' | sed 's/^/[consumers]   /'
else
  failed=$((failed + 1)); failures+=(build-tomcat-webapp)
fi

# --- the check command, as docs/diagnosing-failures.md says to get it (the -cli jar through Maven) -------------------------------
if (cd "$here/plain-java" && mvn -B -q dependency:copy -Dartifact=io.github.azuremi:managed-identity-datasource:0.1.0-SNAPSHOT:jar:cli \
      -DoutputDirectory="$work/cli") > "$logs/build-cli.log" 2>&1; then
  cli=$(ls "$work"/cli/*-cli.jar)
  check() { "$1" -jar "$cli" check --url "$DATABASE_URL" --username "$2" --credential managed-identity --client-id "$AZURE_CLIENT_ID" --timeout 20; }
  case_ cli-java17-ok "RESULT: OK" check "$java17" consumer_app
  # a role the identity is not mapped to: exit 1 and the diagnosis (the command's exit status is the point)
  case_ cli-java17-unmapped-role "RESULT: FAILED at login - the identity has no database role" bash -c "$(declare -f check); cli='$cli'; check '$java17' consumer_unmapped; [[ \$? == 1 ]]"
  if [[ -n $java25 ]]; then
    case_ cli-java25-ok "RESULT: OK" check "$java25" consumer_app
    not_in cli-java25-ok 'sun\.misc\.Unsafe|System::loadLibrary|restricted method'
  fi
else
  failed=$((failed + 1)); failures+=(build-cli); tail -n 20 "$logs/build-cli.log"
fi

# --- the driver plugins (docs/driver-plugins.md): URL-only pools and tools, then frameworks ------
source "$here/run-plugins-tools.sh"
source "$here/run-plugins-frameworks.sh"
source "$here/run-r2dbc.sh"  # after the frameworks: it uses their plugins_fw_case
source "$here/run-plugin-pgpass.sh"
source "$here/run-plugin-webapp.sh"
source "$here/run-plugins-sqlserver.sh"

# --- optional: the HTTP client, measured (docs/operations.md, "HTTP client") ---------------------------------------------
if [[ ${MEASURE_HTTP_CLIENT:-0} == 1 ]]; then
  build plain-java -Pnetty dependency:copy-dependencies -DoutputDirectory=target/lib-netty -DexcludeArtifactIds=azure-core-http-jdk-httpclient \
    && bash "$here/http-client/cold-start.sh" "${COLD_START_RUNS:-10}" "$here/plain-java/target/lib-netty" "$here/plain-java/target/lib" "$here/plain-java/target/classes" | tee "$logs/http-client-cold-start.log"
  if build tomcat-webapp -Pnetty clean package; then
    cp "$here/tomcat-webapp/target/app.war" "$work/app-netty.war"
    bash "$here/tomcat.sh" 10.1.59 "$work/tomcat-netty" "$work/app-netty.war" > "$logs/tomcat-netty.log" 2>&1
    say "Tomcat 10.1 with azure-core-http-netty (exit $?):"; grep -E '^\[tomcat.*(leak check|stop-time)' "$logs/tomcat-netty.log" | sed 's/^/[consumers]   /'
    build tomcat-webapp clean package
  fi
fi

say "consumers step took $((SECONDS - started)) s"
((failed == 0)) || say "failed: ${failures[*]}"
echo "consumers: $passed passed, $failed failed"
((failed == 0))
