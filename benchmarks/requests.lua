-- wrk script for benchmarks/run.py: replays a list of prepared requests.
--
--   wrk ... -s benchmarks/requests.lua URL -- REQUESTS_FILE
--
-- REQUESTS_FILE has one request per line, tab-separated:
--   METHOD <tab> PATH <tab> Header: value|Header: value <tab> BODY
-- Every request also carries `X-Forwarded-Proto: https`, as nginx sends it: the
-- production settings' HTTPS redirect stays on and is satisfied the way it is in
-- production. A `{n}` in PATH becomes a number unique to that request (a distinct query
-- string, so the response cache can never answer it).
--
-- Each wrk thread takes every T-th line (T threads), so two threads never send the same
-- one-off request (a quiz attempt is submitted once). A thread that runs out of lines
-- starts again from its first and counts a wrap; run.py reports wraps, since repeated
-- requests of a one-off kind take a cheaper path.
--
-- done() prints one JSON line that run.py parses.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end

local requests = {}
local index = 0
local counter = 0
wrapped = 0 -- global: done() reads it with thread:get()

local function split_headers(text)
  local headers = { ["X-Forwarded-Proto"] = "https" }
  for item in string.gmatch(text, "[^|]+") do
    local name, value = string.match(item, "^%s*([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  return headers
end

local function load(path, me, every)
  local loaded, line_number = {}, 0
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    line_number = line_number + 1
    if (line_number - 1) % every == (me - 1) % every then
      local method, target, headers, body = string.match(line, "^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
      if method then
        -- A body with line breaks (a multipart upload) writes each CRLF as {CRLF}: one
        -- request is one line of the file.
        body = string.gsub(body, "{CRLF}", "\r\n")
        table.insert(loaded, {
          method = method,
          path = target,
          headers = split_headers(headers),
          body = (body ~= "" and body) or nil,
          dynamic = string.find(target, "{n}", 1, true) ~= nil,
        })
      end
    end
  end
  file:close()
  return loaded
end

function init(args)
  -- `id` was set by setup(); the thread count is not known here, so run.py passes it.
  local me, every = id or 1, tonumber(args[2]) or 1
  requests = load(args[1], me, every)
  if #requests == 0 then
    requests = load(args[1], 1, 1) -- fewer lines than threads (the ceiling's one request)
  end
  assert(#requests > 0, "no request in " .. args[1])
  counter = me * 1000000000
end

function request()
  index = index + 1
  if index > #requests then
    index = 1
    wrapped = wrapped + 1
  end
  local r = requests[index]
  if r.formatted and not r.dynamic then return r.formatted end
  local path = r.path
  if r.dynamic then
    counter = counter + 1
    path = string.gsub(path, "{n}", tostring(counter))
  end
  local formatted = wrk.format(r.method, path, r.headers, r.body)
  if not r.dynamic then r.formatted = formatted end
  return formatted
end

function done(summary, latency, requests_)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + (tonumber(thread:get("wrapped")) or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p95": %d, '
      .. '"p99": %d, "mean": %.1f, "max": %d}, "wrapped": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max, wraps
  ))
end

