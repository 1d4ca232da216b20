#!/usr/bin/env bash
# Smoke run of the JMH benchmarks, for .ci/run: every benchmark runs once, briefly
# (one fork, no warm-up, one 1-second iteration or one shot), so that none of them rots.
# It asserts that they run (and the benchmarks' own checks: cache hits stay hits, a stampede on the
# token cache sends exactly one request, no token is refused), never a time. Exits non-zero on failure.
#
#   bash benchmarks/smoke.sh            # from the repository root, or from anywhere
#   MI_BENCH_SKIP_INSTALL=1 bash ...    # when the library (and its test-jar) is already installed
#
# Needs: Java 17, Maven, the local PostgreSQL (MIDS_TEST_POSTGRES_ADMIN_URL, default
# jdbc:postgresql://127.0.0.1:5432/test?user=postgres) with the mi_token_users scram-sha-256 line in
# pg_hba.conf, as for the library's tests, and the local MariaDB for PluginConnectionBenchmark's MySQL rows
# (MIDS_TEST_MYSQL_ADMIN_URL, default jdbc:mysql://127.0.0.1:3306/test?user=root&sslMode=DISABLED).
# Takes about 2-3 minutes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ "${MI_BENCH_SKIP_INSTALL:-}" != "1" ]]; then
  # the benchmarks depend on the library and on its test-jar (the local managed-identity endpoint)
  (cd "$here/.." && mvn -q -B -DskipTests install)
fi
cd "$here"
mvn -q -B package
java -jar target/benchmarks.jar --smoke "$@"
