-- wrk script: replays pre-signed, distinct Twilio webhooks (see bench.py).
-- Each wrk thread takes its own slice of the list, so no two requests repeat.
-- One request a line: path, body, signature, separated by tabs.
local list = {}
for line in io.lines(os.getenv("SIGNPOST_BENCH_REQUESTS")) do
  local path, body, signature = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
  list[#list + 1] = {path, body, signature}
end
local threads = tonumber(os.getenv("SIGNPOST_BENCH_THREADS"))
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local per = math.floor(#list / threads)
  first = id * per
  i = 0
  span = per
end

function request()
  local r = list[first + (i % span) + 1]
  i = i + 1
  return wrk.format("POST", r[1], {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[3],
  }, r[2])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status + e.timeout))
end
