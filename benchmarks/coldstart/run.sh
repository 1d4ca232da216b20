#!/usr/bin/env bash
# The cold-start benchmark (issue 19): fresh JVMs, interleaved, JVM start to the first query, an application on this
# library against the same application with a static password, in one run. Not JMH: see "Cold start" in
# benchmarks/README.md.
#
#   bash benchmarks/coldstart/run.sh                       # 10 runs per variant, endpoint 0.4 s, plain Java + Boot 4
#   bash benchmarks/coldstart/run.sh --runs 10 --latencies 400,2000 --apps spring
#   bash benchmarks/coldstart/run.sh --baseline-jar /path/to/an/older/managed-identity-datasource.jar   # before/after
#   bash benchmarks/coldstart/run.sh --smoke               # what .ci/run runs: one run per variant, no time asserted
#   MI_BENCH_SKIP_INSTALL=1 ...                            # when the library is installed already
#
# Needs Java 17, Maven and the local PostgreSQL (MIDS_TEST_POSTGRES_ADMIN_URL, default
# jdbc:postgresql://127.0.0.1:5432/test?user=postgres) with the mi_token_users scram-sha-256 line of pg_hba.conf.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ "${MI_BENCH_SKIP_INSTALL:-}" != "1" ]]; then
  (cd "$here/../.." && mvn -q -B -DskipTests install)
fi
# the applications, built as users build them; run from their class paths (target/classes + target/lib), so that
# the launcher can put another build of the library in place (--baseline-jar)
(cd "$here/plain" && mvn -q -B package dependency:copy-dependencies -DoutputDirectory=target/lib)
(cd "$here/spring-boot" && mvn -q -B package -DskipTests dependency:copy-dependencies -DoutputDirectory=target/lib)
pgjdbc=$(ls "$here"/plain/target/lib/postgresql-*.jar | head -n 1)
exec java -cp "$pgjdbc" "$here/ColdStart.java" --dir "$here" "$@"
