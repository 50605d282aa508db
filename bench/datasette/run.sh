#!/usr/bin/env bash
# The Datasette side of the lookup benchmark (issue #6): the same 1,000,000 people zs-demodata
# generates, in SQLite with the ID number as primary key (indexed), served by Datasette (PyPI,
# no authentication, immutable mode), loaded by wrk with 64 connections asking random existing
# ID numbers. Prints requests/s and p99. The same harness (bench/wrk/lookup.sh) loads
# zhengshu's data API when given its URL template and a bearer token (see README, Benchmarks).
#
#   bench/datasette/run.sh            # build what is missing, then measure
# Env: ZS_BENCH_ROWS (1000000), ZS_BENCH_DIR (~/.cache/zhengshu-bench), ZS_BENCH_PORT (8765),
#      ZS_WRK_DURATION (30s), ZS_WRK_CONNECTIONS (64), ZS_WRK_THREADS (2), CARGO_TARGET_DIR,
#      ZS_BENCH_PREPARE_ONLY (set: build the database and ID list, then stop).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
rows="${ZS_BENCH_ROWS:-1000000}"
work="${ZS_BENCH_DIR:-$HOME/.cache/zhengshu-bench}"
port="${ZS_BENCH_PORT:-8765}"
mkdir -p "$work"
db="$work/population-$rows.db"
ids="$work/population-$rows.ids"

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y wrk >/dev/null; }
command -v sqlite3 >/dev/null || { echo "installing sqlite3 (Debian package)"; apt-get install -y sqlite3 >/dev/null; }
if [ ! -x "$work/venv/bin/datasette" ]; then
  echo "installing datasette from PyPI into $work/venv"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q datasette
fi

if [ ! -s "$db" ]; then
  csv="$work/population-$rows.csv"
  echo "generating $rows people (zs-demodata)"
  (cd "$repo" && cargo run --release -q -p zs-demodata --example population_csv -- "$csv" "$rows")
  echo "loading SQLite $db"
  rm -f "$db.tmp"
  sqlite3 "$db.tmp" <<SQL
CREATE TABLE people (
  id_number TEXT PRIMARY KEY,  -- 公民身份号码 (the index the lookups use)
  name TEXT, sex TEXT, birth_date TEXT, ethnicity TEXT, address TEXT, phone TEXT,
  registered_address TEXT, household_no TEXT
);
.mode csv
.import --skip 1 $csv people
ANALYZE;
SQL
  mv "$db.tmp" "$db"
  rm -f "$csv"
fi
if [ ! -s "$ids" ]; then
  # Residents whose sex contradicts their ID number (the demo's deliberate errors, ~0.5 %) are
  # blocked by zhengshu's quality gate at hand-in, so both servers are asked only the others.
  sqlite3 "$db" "SELECT id_number FROM people
    WHERE (CAST(substr(id_number, 17, 1) AS INTEGER) % 2 = 1) = (sex = '1')
    ORDER BY random() LIMIT 100000" > "$ids"
fi
echo "rows in SQLite: $(sqlite3 "$db" 'SELECT count(*) FROM people'); $(wc -l < "$ids") random IDs to ask"
# bench/share_lookup.sh builds the database and the ID list here and serves Datasette itself.
if [ -n "${ZS_BENCH_PREPARE_ONLY:-}" ]; then exit 0; fi

"$work/venv/bin/datasette" --version
"$work/venv/bin/datasette" serve -i "$db" -h 127.0.0.1 -p "$port" >"$work/datasette.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/-/versions.json" >/dev/null 2>&1 && break
  sleep 0.2
done
sample="$(head -1 "$ids")"
echo "sample: GET /population-$rows/people/$sample.json"
curl -fsS "http://127.0.0.1:$port/population-$rows/people/$sample.json" | head -c 400; echo

echo "== Datasette $(nproc) cores, wrk ${ZS_WRK_CONNECTIONS:-64} connections =="
ZS_WRK_SERVER_PIDS="$pid" "$repo/bench/wrk/lookup.sh" "http://127.0.0.1:$port" "/population-$rows/people/{id}.json" "$ids" | tee "$work/datasette-wrk.txt"
rss=$(ps -o rss= -p "$pid" | tr -d ' ')
echo "datasette RSS after the run: $((rss / 1024)) MB"
