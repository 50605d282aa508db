-- wrk script: GET one random existing key per request.
--   ZS_WRK_IDS   file with one key per line (required)
--   ZS_WRK_PATH  path template, "{id}" replaced by the key, e.g. /population/people/{id}.json
--                or /api/v1/share/grants/<grant>/rows/{id}
--   ZS_WRK_TOKEN bearer token sent as "Authorization: Bearer …" (optional)
local ids = {}
local template = os.getenv("ZS_WRK_PATH") or "/{id}"
local token = os.getenv("ZS_WRK_TOKEN")

function init(args)
  local f = assert(io.open(os.getenv("ZS_WRK_IDS"), "r"))
  for line in f:lines() do
    if #line > 0 then ids[#ids + 1] = line end
  end
  f:close()
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  if token and #token > 0 then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", (template:gsub("{id}", id)))
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d duration_s=%.1f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
