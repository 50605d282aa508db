#!/usr/bin/env bash
# Load a lookup-by-key URL with wrk: 64 connections, random existing keys, print req/s and p99.
#   bench/wrk/lookup.sh BASE_URL PATH_TEMPLATE IDS_FILE [TOKEN]
# e.g. bench/wrk/lookup.sh http://127.0.0.1:8001 '/population/people/{id}.json' ids.txt
#      bench/wrk/lookup.sh http://127.0.0.1:8080 '/api/v1/share/grants/7/rows/{id}' ids.txt "$TOKEN"
# Env: ZS_WRK_CONNECTIONS (64), ZS_WRK_THREADS (2), ZS_WRK_DURATION (30s), ZS_WRK_WARMUP (5s),
#      ZS_WRK_SERVER_PIDS (optional: server processes whose CPU time during the measured run is
#      printed per request — a figure that holds when the machine is busy with other work).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="$1" path="$2" ids="$3" token="${4:-}"
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
export ZS_WRK_IDS="$ids" ZS_WRK_PATH="$path" ZS_WRK_TOKEN="$token"
c="${ZS_WRK_CONNECTIONS:-64}" t="${ZS_WRK_THREADS:-2}"
# Warm-up (caches, lazily built indexes), then the measured run.
wrk -t"$t" -c"$c" -d"${ZS_WRK_WARMUP:-5s}" -s "$here/lookup.lua" "$base" >/dev/null
cpu_ticks() {
  local sum=0 p
  for p in ${ZS_WRK_SERVER_PIDS:-}; do
    # utime + stime of the process and its reaped children (fields 14-17 of /proc/PID/stat).
    sum=$((sum + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat")))
  done
  echo "$sum"
}
before=$(cpu_ticks)
out="$(wrk -t"$t" -c"$c" -d"${ZS_WRK_DURATION:-30s}" --latency -s "$here/lookup.lua" "$base")"
after=$(cpu_ticks)
echo "$out"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${ZS_WRK_SERVER_PIDS:-}" ]; then
  reqs=$(echo "$out" | sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p')
  ticks=$((after - before)) hz=$(getconf CLK_TCK)
  awk -v t="$ticks" -v hz="$hz" -v r="$reqs" 'BEGIN { printf "SERVER_CPU cpu_s=%.1f requests=%d cpu_ms_per_request=%.3f requests_per_cpu_second=%.0f\n", t/hz, r, (t/hz*1000)/r, r/(t/hz) }'
fi
