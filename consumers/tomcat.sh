#!/usr/bin/env bash
# Standalone Tomcat: the distribution VERSION (org.apache.tomcat:tomcat:VERSION:tar.gz, through Maven) runs the
# WAR of consumers/tomcat-webapp (config/tomcat/context.xml unchanged; ${...} from the environment as on App
# Service). The servlet must log in; then the WAR is undeployed and deployed again three times (querying after
# each), undeployed a last time, and the JVM must hold no class loader of the application and no thread started
# by the library or its HTTP client. Prints [tomcat] lines; exits non-zero on any miss.
# Usage: tomcat.sh VERSION WORKDIR [WAR]   (TOMCAT_JAVA_HOME picks Tomcat's JDK; environment as for every consumer)
# For other WARs (consumers/run-plugin-webapp.sh): TOMCAT_EXPECT, what GET /app/query must start with (default: the
# data source's answer); TOMCAT_LEAK_WAIT, how long after the last undeploy the JVM may take to be clean (default 90 s);
# TOMCAT_SHARED_LIB, a folder whose jars go to Tomcat's lib/ (the library shared by every application).
set -euo pipefail
version=$1 work=$2 war=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "[tomcat $version] $*"; }
fail() { echo "[tomcat $version] FAILED: $*" >&2; [[ -n ${home:-} ]] && tail -n 60 "$home/logs/catalina.out" >&2; stop; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

rm -rf "$work" && mkdir -p "$work"
(cd "$here/tomcat-webapp" && mvn -B -q dependency:unpack -Dartifact="org.apache.tomcat:tomcat:$version:tar.gz" \
  -DoutputDirectory="$work" -DmarkersDirectory="$work/.markers") || { echo "could not fetch Tomcat $version" >&2; exit 1; }
home="$work/apache-tomcat-$version"
rm -rf "$home"/webapps/{docs,examples,host-manager,ROOT}
[[ -n ${TOMCAT_SHARED_LIB:-} ]] && cp "$TOMCAT_SHARED_LIB"/*.jar "$home/lib/"
http=$(free_port); shutdown=$(free_port)
sed -i -e "s/port=\"8005\"/port=\"$shutdown\"/" -e "s/port=\"8080\"/port=\"$http\" address=\"127.0.0.1\"/" "$home/conf/server.xml"
pass="consumer-$RANDOM$RANDOM"
sed -i "s#</tomcat-users>#<user username=\"consumer\" password=\"$pass\" roles=\"manager-script\"/></tomcat-users>#" "$home/conf/tomcat-users.xml"
base="http://127.0.0.1:$http"
manager() { curl -sS -u "consumer:$pass" "$base/manager/text/$1"; }
stop() { [[ -f $work/tomcat.pid ]] && kill "$(cat "$work/tomcat.pid")" 2>/dev/null; sleep 1; [[ -f $work/tomcat.pid ]] && kill -9 "$(cat "$work/tomcat.pid")" 2>/dev/null; rm -f "$work/tomcat.pid"; return 0; }
trap stop EXIT

export CATALINA_HOME="$home" CATALINA_BASE="$home" CATALINA_PID="$work/tomcat.pid"
[[ -n ${TOMCAT_JAVA_HOME:-} ]] && export JAVA_HOME="$TOMCAT_JAVA_HOME" && export PATH="$TOMCAT_JAVA_HOME/bin:$PATH"
# App Service's way of feeding app settings to context.xml (docs/tomcat-jndi.md, "On App Service (Tomcat)")
export JAVA_OPTS="-Dorg.apache.tomcat.util.digester.PROPERTY_SOURCE=org.apache.tomcat.util.digester.EnvironmentPropertySource"
# For the leak check only: soft references are cleared at every GC, so that a loader counted as alive is held
# by a strong reference (caches of soft references, the JDK's and Tomcat's, let go under memory pressure anyway)
export CATALINA_OPTS="-XX:SoftRefLRUPolicyMSPerMB=0"
"$home/bin/catalina.sh" start >/dev/null
for _ in $(seq 60); do manager "list" >/dev/null 2>&1 && break; sleep 1; done
manager list | grep -q '^OK' || fail "Tomcat's manager did not answer"
say "$("$home/bin/version.sh" 2>/dev/null | grep -E '^Server number' | tr -s ' ')"

war=${war:-$here/tomcat-webapp/target/app.war}
expect=${TOMCAT_EXPECT:-OK $DATABASE_USERNAME via io.github.azuremi.jdbc.ManagedIdentityDataSource}
leak_wait=${TOMCAT_LEAK_WAIT:-90}
say "WAR $(basename "$war")${TOMCAT_SHARED_LIB:+, with the jars of $TOMCAT_SHARED_LIB in lib/ of Tomcat}"
query() {
  local out
  out=$(curl -sS "$base/app/query") || fail "GET /app/query did not answer"
  [[ $out == "$expect"* ]] || fail "query: $out"
  say "query: $out"
}
deploy() { manager "deploy?path=/app&war=file:$war" | grep -q '^OK' || fail "deploy: $(manager "deploy?path=/app&war=file:$war")"; }
undeploy() { manager "undeploy?path=/app" | grep -q '^OK' || fail "undeploy failed"; }

deploy; query
for cycle in 1 2 3; do undeploy; deploy; query; say "redeploy $cycle done"; done
pid=$(cat "$CATALINA_PID")
live_threads=$(jcmd "$pid" Thread.print | grep -E '^"' | cut -d'"' -f2 | sort | uniq -c | sort -rn | awk '{$1=$1; print}' | tr '\n' ';')
say "threads with the application deployed: $live_threads"
undeploy

# Leak check: what is left after the last undeploy. Idle pools end their threads after their keep-alive (the
# library's token-fetch pool: 60 s), so the check polls for up to $leak_wait s and says when the JVM was clean.
leaks=$(manager "findleaks?statusLine=true")
suspect_re='managed-identity|reactor|epoll|HttpClient|azure|msal|Hikari|housekeeper|connection-adder|connection-closer|PostgreSQL'
undeployed=$SECONDS
while :; do
  jcmd "$pid" GC.run >/dev/null
  loaders=$(jcmd "$pid" GC.class_histogram | awk '/org.apache.catalina.loader.ParallelWebappClassLoader$/ {print $2}')
  loaders=${loaders:-0}
  suspects=$(jcmd "$pid" Thread.print | grep -E '^"' | cut -d'"' -f2 | grep -E "$suspect_re" || true)
  [[ $loaders == 1 && -z $suspects ]] && break
  ((SECONDS - undeployed < leak_wait)) || break
  sleep 5
done
settle=$((SECONDS - undeployed))
# TOMCAT_HEAP_DUMP=<file.hprof>: a heap dump of this state, to find what holds a pinned class loader
[[ -n ${TOMCAT_HEAP_DUMP:-} ]] && jcmd "$pid" GC.heap_dump "$TOMCAT_HEAP_DUMP" >/dev/null
# for diagnosis: every thread Tomcat itself does not start, and what of the application is still on the heap
say "threads after the final undeploy: $(jcmd "$pid" Thread.print | grep -E '^"' | cut -d'"' -f2 | grep -vE 'http-nio|GC Thread|G1 |Compiler|VM |Reference Handler|Finalizer|Signal Dispatcher|Attach Listener|Catalina-utility|Sweeper|Service Thread|Monitor Deflation|Notification Thread|Common-Cleaner|^main$|AsyncFileHandlerWriter|FileHandlerLogFilesCleaner' | sort | uniq -c | awk '{$1=$1; print}' | tr '\n' ';')"
say "application classes with live instances after the final undeploy: $(jcmd "$pid" GC.class_histogram | awk '$4 ~ /^(io\.github\.azuremi|com\.zaxxer|org\.postgresql|com\.azure|com\.microsoft\.aad|reactor\.|consumer\.)/ {print $4 "=" $2}' | head -n 25 | tr '\n' ' ')"
warned=$(grep -cE 'appears to have started a thread' "$home/logs/catalina.out" || true)
warned_names=$(grep -oE 'started a thread named \[[^]]*\]' "$home/logs/catalina.out" | sed 's/.*\[\(.*\)\]/\1/' | sort | uniq -c | awk '{print $2 " x" $1}' | tr '\n' ' ' || true)
driver_warned=$(grep -c 'JDBC Driver has been forcibly unregistered' "$home/logs/catalina.out" || true)
say "leak check after 3 redeploys and a final undeploy: webapp class loaders alive=$loaders (1 = Tomcat's manager), library/HTTP-client threads left=$(echo -n "$suspects" | grep -c . || true) [$(echo "$suspects" | tr '\n' ' ')], clean after ${settle}s"
say "findleaks right after the undeploy: $(echo "$leaks" | tr '\n' ' ')"
say "Tomcat's stop-time warnings (threads still running when each undeploy happened): ${warned:-0} [$warned_names]; JDBC driver forcibly unregistered: ${driver_warned:-0}"
# What holds each loader left (the manager's is held by Tomcat). One holder is tolerated, on Java 17-19 only:
# the JDK's java.lang.runtime.ObjectMethods keeps the last asType() of its shared equals handle for a record
# class (JDK-8291065, fixed in JDK 20): at most one loader, replaced by the next deployment, not a growing leak.
if [[ $loaders != 1 ]]; then
  jcmd "$pid" GC.heap_dump "$work/heap.hprof" >/dev/null
  paths=$(python3 "$here/heap-paths.py" "$work/heap.hprof")
  echo "$paths" | sed "s/^/[tomcat $version] heap: /"
  jdk_cache=$(echo "$paths" | grep -c 'class java.lang.runtime.ObjectMethods' || true)
  feature=$(jcmd "$pid" VM.version | sed -n 's/^JDK \([0-9]*\).*/\1/p')
  if ((loaders - 1 == 1 && jdk_cache == 1 && ${feature:-99} < 20)); then
    say "tolerated: 1 loader held only by the JDK $feature ObjectMethods asType cache (JDK-8291065, fixed in JDK 20)"
    loaders=1
  fi
fi
# TOMCAT_LOADER_CHECK=report turns a pinned class loader into a report line (not set by .ci/run: a pinned loader is a leak)
if [[ $loaders != 1 ]]; then
  if [[ ${TOMCAT_LOADER_CHECK:-strict} == report ]]; then
    say "NOT CHECKED (TOMCAT_LOADER_CHECK=report): $((loaders - 1)) class loader(s) of undeployed applications alive"
  else
    fail "$loaders web application class loaders alive $leak_wait s after undeploy (expected only the manager's)"
  fi
fi
[[ -z $suspects ]] || fail "threads left $leak_wait s after undeploy: $suspects"
say "CONSUMER OK"
