-- wrk script for the proxy benchmark (bench/proxy/wrk.ts appends nothing; this is the whole script).
-- Requests spread over BENCH_ROUTES route prefixes (/user/u<i>/x), optionally paced: each
-- connection waits a random 0 … 2×BENCH_DELAY_MS ms before each request (random, so the
-- connections do not fall into step and arrive in bursts); prints one "WRKJSON {...}" line.
-- No response() callback: it would make wrk parse every response in Lua and cap the direct run.
local requests_table = {}
local routes = tonumber(os.getenv("BENCH_ROUTES") or "1")
local path_suffix = os.getenv("BENCH_SUFFIX") or "/x"
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

function init(args)
  local k = math.min(routes, 1000)
  for i = 1, k do
    local index = math.floor((i - 1) * routes / k)
    requests_table[i] = wrk.format("GET", "/user/u" .. index .. path_suffix)
  end
  math.randomseed(os.time())
end

function request()
  return requests_table[math.random(#requests_table)]
end

if delay_ms > 0 then
  function delay()
    return math.random(0, 2 * delay_ms)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"latency_us":{"mean":%.3f,"p50":%d,"p90":%d,"p99":%d,"max":%d},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
