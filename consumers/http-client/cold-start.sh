#!/usr/bin/env bash
# Cold start with each HTTP client: JVM start to the first successful query (consumers/plain-java, Properties
# form, no logging backend), N fresh JVMs per variant, alternating so that both see the same machine load.
# Usage: cold-start.sh N NETTY_LIB_DIR JDK_LIB_DIR CLASSES_DIR   (environment as for the consumers)
set -euo pipefail
n=$1 netty=$2 jdk=$3 classes=$4
declare -A times
for ((i = 1; i <= n; i++)); do
  for variant in netty jdk; do
    dir=$netty; [[ $variant == jdk ]] && dir=$jdk
    ms=$(java -cp "$classes:$dir/*" consumer.Main properties 2>/dev/null | sed -n 's/.*first query \([0-9]*\) ms.*/\1/p')
    [[ -n $ms ]] || { echo "cold-start: $variant run $i failed" >&2; exit 1; }
    times[$variant]+="$ms "
  done
done
for variant in netty jdk; do
  dir=$netty; [[ $variant == jdk ]] && dir=$jdk
  jars=$(ls "$dir"/*.jar | wc -l); size=$(du -sm "$dir" | cut -f1)
  echo "${times[$variant]}" | tr ' ' '\n' | grep . | sort -n | awk -v v="$variant" -v jars="$jars" -v size="$size" '
    { a[NR] = $1 } END { med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
      printf "[http-client] %-5s cold start to first query: median %d ms, min %d, max %d (n=%d); runtime %d jars, %d MB\n", v, med, a[1], a[NR], NR, jars, size }'
  echo "[http-client] $variant all: ${times[$variant]}"
done
