#!/usr/bin/env bash
# The data-API speed target of issue #6, both sides in one run on this machine: lookups by ID
# number over the same 1,000,000 people (zs-demodata), 64 wrk connections on 127.0.0.1.
#   - Datasette (PyPI), the people in SQLite with the ID number as primary key, no
#     authentication (bench/datasette/run.sh builds the database and the ID list);
#   - zhengshu's data API `GET /api/v1/share/grants/{grant}/rows/{id}`: a bearer credential
#     bound to a grant, every item masked as the grant says, one audit record per call, quotas.
# Prints requests/s and p99 of both side by side, with the servers' CPU time per request (the
# figure that holds when the machine is busy with other work).
#
#   bench/share_lookup.sh
# Env: ZS_BENCH_ROWS (1000000), ZS_BENCH_DIR (~/.cache/zhengshu-bench), ZS_BENCH_PORT (8765,
#      Datasette), ZS_BENCH_ZS_PORT (8766, zhengshu), ZS_BENCH_BIN (a built `zhengshu`; default:
#      cargo build --release), ZS_WRK_DURATION (30s), ZS_WRK_CONNECTIONS (64), ZS_WRK_THREADS (2).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rows="${ZS_BENCH_ROWS:-1000000}"
work="${ZS_BENCH_DIR:-$HOME/.cache/zhengshu-bench}"
ds_port="${ZS_BENCH_PORT:-8765}"
zs_port="${ZS_BENCH_ZS_PORT:-8766}"
ids="$work/population-$rows.ids"
db="$work/population-$rows.db"
mkdir -p "$work"

# The peer's database and the ID list (built once).
ZS_BENCH_PREPARE_ONLY=1 "$repo/bench/datasette/run.sh"

bin="${ZS_BENCH_BIN:-}"
if [ -z "$bin" ]; then
  (cd "$repo" && cargo build --release -q -p zs-cli)
  bin="${CARGO_TARGET_DIR:-$repo/target}/release/zhengshu"
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_http() { # URL SECONDS
  for _ in $(seq 1 $(($2 * 5))); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "no answer from $1" >&2
  return 1
}
result() { sed -n 's/^RESULT .*rps=\([0-9]*\) .*p99_ms=\([0-9.]*\) .*errors=\([0-9]*\) non2xx=\([0-9]*\).*/\1 \2 \3 \4/p' "$1"; }
cpu() { sed -n 's/^SERVER_CPU .*requests_per_cpu_second=\([0-9]*\).*/\1/p' "$1"; }

# --- Datasette ---
"$work/venv/bin/datasette" serve -i "$db" -h 127.0.0.1 -p "$ds_port" >"$work/datasette.log" 2>&1 &
ds_pid=$!
pids+=("$ds_pid")
wait_http "http://127.0.0.1:$ds_port/-/versions.json" 60
echo "== Datasette $("$work/venv/bin/datasette" --version | awk '{print $NF}') on $(nproc) cores =="
ZS_WRK_SERVER_PIDS="$ds_pid" "$repo/bench/wrk/lookup.sh" "http://127.0.0.1:$ds_port" \
  "/population-$rows/people/{id}.json" "$ids" | tee "$work/datasette-wrk.txt"
kill "$ds_pid" 2>/dev/null || true

# --- zhengshu: the demo city with $rows people (seeded once into $work/zhengshu-$rows) ---
data="$work/zhengshu-$rows"
log="$work/zhengshu.log"
echo "== zhengshu: starting (the first start hands in $rows people; that takes a few minutes) =="
ZS_LOG_LEVEL=warn "$bin" demo --data-dir "$data" --people "$rows" --listen "127.0.0.1:$zs_port" >"$log" 2>&1 &
zs_pid=$!
pids+=("$zs_pid")
wait_http "http://127.0.0.1:$zs_port/readyz" 1800
for _ in $(seq 1 100); do grep -q '^  datauser ' "$log" && break; sleep 0.2; done
base="http://127.0.0.1:$zs_port"
# A grant for every item of the population library (masked as the provider's defaults say) and a
# credential bound to it; a fresh grant per run, so the day's quota is the run's own.
read -r grant token < <(python3 - "$base" "$log" <<'PY'
import json, sys, urllib.request, datetime
base, log = sys.argv[1], sys.argv[2]
pw = {}
for line in open(log, encoding="utf-8"):
    parts = line.split()
    if len(parts) >= 2 and parts[0] in ("steward", "datauser"):
        pw[parts[0]] = parts[1]
def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return json.load(r)
login = lambda u: call("POST", "/api/v1/auth/login", body={"username": u, "password": pw[u]})["token"]
user, steward = login("datauser"), login("steward")
until = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
# Every item of the demo population entry (Datasette serves these and two more columns).
fields = ["id_number", "name", "sex", "birth_date", "ethnicity", "address", "phone"]
a = call("POST", "/api/v1/share/applications", user, {
    "code": "101001000/000001", "fields": fields, "purpose": "性能基准（身份核验）", "scenario": "按身份证号查询",
    "legal_basis": "基准测试", "until": until, "calls_per_day": 1000000, "rows_per_day": 100000000})
if a["state"] == "pending":
    a = call("POST", "/api/v1/share/applications/%d/review" % a["id"], steward, {"decision": "grant"})
g = a["grant_id"]
c = call("POST", "/api/v1/share/grants/%d/credentials" % g, user, {"name": "bench"})
print(g, c["token"])
PY
)
[ -n "${token:-}" ] || { echo "setting up the grant failed (see above and $log)" >&2; exit 1; }
path="/api/v1/share/grants/$grant/rows/{id}"
sample="$(head -1 "$ids")"
echo "grant $grant; sample: GET ${path/\{id\}/$sample}"
curl -fsS -H "Authorization: Bearer $token" "$base${path/\{id\}/$sample}"; echo
echo "== zhengshu on $(nproc) cores =="
ZS_WRK_SERVER_PIDS="$zs_pid" "$repo/bench/wrk/lookup.sh" "$base" "$path" "$ids" "$token" | tee "$work/zhengshu-wrk.txt"
rss=$(ps -o rss= -p "$zs_pid" | tr -d ' ')
echo "zhengshu RSS after the run: $((rss / 1024)) MB"
kill -INT "$zs_pid" 2>/dev/null || true
wait "$zs_pid" 2>/dev/null || true

read -r ds_rps ds_p99 ds_err ds_non2xx < <(result "$work/datasette-wrk.txt")
read -r zs_rps zs_p99 zs_err zs_non2xx < <(result "$work/zhengshu-wrk.txt")
echo
echo "== lookups by ID number, $rows rows, ${ZS_WRK_CONNECTIONS:-64} connections, $(nproc) cores =="
printf '%-10s %10s %9s %12s %8s %8s\n' "server" "req/s" "p99 ms" "req/CPU-s" "errors" "non-2xx"
printf '%-10s %10s %9s %12s %8s %8s\n' "datasette" "$ds_rps" "$ds_p99" "$(cpu "$work/datasette-wrk.txt")" "$ds_err" "$ds_non2xx"
printf '%-10s %10s %9s %12s %8s %8s\n' "zhengshu" "$zs_rps" "$zs_p99" "$(cpu "$work/zhengshu-wrk.txt")" "$zs_err" "$zs_non2xx"
awk -v z="$zs_rps" -v d="$ds_rps" -v p="$zs_p99" 'BEGIN {
  printf "zhengshu / datasette: %.1fx req/s (target >= 3x); zhengshu p99 %s ms (target < 20 ms)\n", z / d, p }'
