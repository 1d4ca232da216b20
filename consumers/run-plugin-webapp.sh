# shellcheck shell=bash
# Sourced by run.sh (its helpers: case_, build, say, $java17, $java25, $JAVA25_HOME, $logs, $here, $work).
# A web application that uses only the pgjdbc plugin (issue 16, row 3): Tomcat's own DBCP resource in its
# META-INF/context.xml names the plugin in the URL; no code of the library's in the application. tomcat.sh deploys it
# three times (a query after each) and undeploys it, then checks that no class loader of the application and no thread
# of the library or of azure-identity's HTTP client is left 30 s later: the library's ServletContainerInitializer
# releases the plugins' tokens when the application stops. Tomcat 10.1 on Java 17 and 11.0 on Java 25 with the library
# in WEB-INF/lib, and Tomcat 10.1 with it in Tomcat's lib/ (shared by every application).

# The endpoint makes each new token the role's password, read by PostgreSQL when a login starts: a login whose own
# first token request made it mint would be refused (run-plugins-tools.sh says more). The token is minted now.
curl -s -o /dev/null -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" \
  "$IDENTITY_ENDPOINT?api-version=2019-08-01&resource=https://ossrdbms-aad.database.windows.net&client_id=$AZURE_CLIENT_ID"
pw_expect="OK $DATABASE_USERNAME via org.apache.tomcat.dbcp.dbcp2.BasicDataSource"
if grep -rq 'io\.github\.azuremi' "$here/tomcat-plugin-webapp/src/main/java"; then
  say "FAIL tomcat-plugin-webapp: its code refers to the library (it must know only the URL)"
  failed=$((failed + 1)); failures+=(tomcat-plugin-webapp-code)
elif build tomcat-plugin-webapp clean package \
     && cp "$here/tomcat-plugin-webapp/target/plugin-app.war" "$work/plugin-app.war" \
     && build tomcat-plugin-webapp -Pshared clean package dependency:copy-dependencies -DincludeScope=runtime \
          -DoutputDirectory=target/shared-lib; then
  pw_run() { env TOMCAT_EXPECT="$pw_expect" TOMCAT_LEAK_WAIT=30 "$@"; }
  case_ tomcat-plugin-10.1.59-java17 "CONSUMER OK" pw_run bash "$here/tomcat.sh" 10.1.59 "$work/tomcat-plugin-10.1" "$work/plugin-app.war"
  if [[ -n $java25 ]]; then
    case_ tomcat-plugin-11.0.24-java25 "CONSUMER OK" pw_run TOMCAT_JAVA_HOME="$JAVA25_HOME" bash "$here/tomcat.sh" 11.0.24 "$work/tomcat-plugin-11.0" "$work/plugin-app.war"
  else
    case_ tomcat-plugin-11.0.24-java17 "CONSUMER OK" pw_run bash "$here/tomcat.sh" 11.0.24 "$work/tomcat-plugin-11.0" "$work/plugin-app.war"
  fi
  case_ tomcat-plugin-shared-lib-10.1.59-java17 "CONSUMER OK" pw_run TOMCAT_SHARED_LIB="$here/tomcat-plugin-webapp/target/shared-lib" \
    bash "$here/tomcat.sh" 10.1.59 "$work/tomcat-plugin-shared" "$here/tomcat-plugin-webapp/target/plugin-app.war"
  grep -h '^\[tomcat' "$logs"/tomcat-plugin-*.log | grep -E 'leak check|stop-time' | sed 's/^/[consumers]   /'
else
  failed=$((failed + 1)); failures+=(build-tomcat-plugin-webapp)
fi
