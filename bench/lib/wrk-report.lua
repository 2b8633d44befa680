-- Appended to every wrk script by bench/lib/wrk.ts: counts responses by status code in each
-- thread and prints one machine-readable line ("WRKJSON {...}") when the run is done.
local bench_threads = {}

function setup(thread)
  thread:set("bench_tid", #bench_threads + 1)
  table.insert(bench_threads, thread)
end

bench_statuses = {}

function response(status, headers, body)
  local k = tostring(status)
  bench_statuses[k] = (bench_statuses[k] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, t in ipairs(bench_threads) do
    local s = t:get("bench_statuses")
    if s then
      for k, v in pairs(s) do totals[k] = (totals[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(totals) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"latency_us":{"mean":%.3f,"p50":%d,"p90":%d,"p99":%d,"max":%d},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ",")))
end
