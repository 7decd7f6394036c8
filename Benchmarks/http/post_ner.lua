-- wrk script for Benchmarks/http/http_compare.py: POSTs varied sentences to /ner and prints a
-- JSON summary in done().
--   wrk -t2 -c8 -d20s -s post_ner.lua http://127.0.0.1:8000/ner -- BODIES_FILE
-- BODIES_FILE holds one JSON request body per line ({"text": "..."}).

local threads = {}

-- Runs in the main Lua state, once per thread: numbers the threads so that each one starts at a
-- different place in the corpus (otherwise all connections would send the same sentence at once).
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local bodies = {}
local counter = 0

function init(args)
  local path = args[1]
  if path == nil then error("usage: wrk ... -s post_ner.lua URL -- BODIES_FILE") end
  for line in io.lines(path) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  if #bodies == 0 then error("no request bodies in " .. path) end
  counter = ((id or 0) * 7919) % #bodies  -- a prime stride spreads the threads' starting points
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end

-- Latencies are in microseconds. errors.status counts responses with status > 399 (the servers
-- send no 1xx/3xx), so errors below covers every non-2xx answer as well as socket errors.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,' ..
    '"max_us":%.0f,"mean_us":%.1f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
