#!/usr/bin/env bash
# Load a lookup-by-key URL with wrk: 64 connections, random existing keys, print req/s and p99.
#   bench/wrk/lookup.sh BASE_URL PATH_TEMPLATE IDS_FILE [TOKEN]
# e.g. bench/wrk/lookup.sh http://127.0.0.1:8001 '/population/people/{id}.json' ids.txt
#      bench/wrk/lookup.sh http://127.0.0.1:8080 '/api/v1/share/grants/7/rows/{id}' ids.txt "$TOKEN"
# Env: ZS_WRK_CONNECTIONS (64), ZS_WRK_THREADS (2), ZS_WRK_DURATION (30s), ZS_WRK_WARMUP (5s).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="$1" path="$2" ids="$3" token="${4:-}"
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
export ZS_WRK_IDS="$ids" ZS_WRK_PATH="$path" ZS_WRK_TOKEN="$token"
c="${ZS_WRK_CONNECTIONS:-64}" t="${ZS_WRK_THREADS:-2}"
# Warm-up (caches, lazily built indexes), then the measured run.
wrk -t"$t" -c"$c" -d"${ZS_WRK_WARMUP:-5s}" -s "$here/lookup.lua" "$base" >/dev/null
wrk -t"$t" -c"$c" -d"${ZS_WRK_DURATION:-30s}" --latency -s "$here/lookup.lua" "$base"
