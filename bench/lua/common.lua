-- Shared by every bench script: configuration from the environment, cycling through
-- credentials and bodies, status counting per thread, and a JSON summary line at the end.
--
--   BENCH_AUTH_FILE   lines of "Header-Name: value" (one credential per line: a bearer
--                     token or a session cookie); each request takes the next line
--   BENCH_BODY_FILE   lines of request bodies (cycled); absent means no body
--   BENCH_METHOD      GET (default) or POST
--   BENCH_PATHS       space-separated paths, cycled (default: the URL's path)
--   BENCH_PATHS_FILE  the same, one path a line (for long lists); as many paths as credentials
--                     pairs them line by line
--   BENCH_CTYPE       Content-Type of the body (default application/json)
--   BENCH_MAX_USES    stop a thread once each of its credentials was used this many times
--   BENCH_CAPTURE     write the first answer that is not 2xx/3xx to this file (+ thread no.)

local M = {}

local function read_lines(path)
  local out = {}
  if path == nil or path == "" then return out end
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line ~= "" then out[#out + 1] = line end
  end
  f:close()
  return out
end

local threads = {}
local counter = 0

function M.install()
  function setup(thread)
    counter = counter + 1
    thread:set("thread_no", counter)
    threads[#threads + 1] = thread
  end

  function init(args)
    method = os.getenv("BENCH_METHOD") or "GET"
    ctype = os.getenv("BENCH_CTYPE") or "application/json"
    auth = read_lines(os.getenv("BENCH_AUTH_FILE"))
    bodies = read_lines(os.getenv("BENCH_BODY_FILE"))
    paths = {}
    for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do paths[#paths + 1] = p end
    for _, p in ipairs(read_lines(os.getenv("BENCH_PATHS_FILE"))) do paths[#paths + 1] = p end
    if #paths == 0 then paths = { wrk.path } end
    max_uses = tonumber(os.getenv("BENCH_MAX_USES") or "0")
    nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
    -- each thread takes its own slice of the credentials, so no two threads share a patient;
    -- a path list as long as the credentials is paired with them line by line (a patient's
    -- own lesson page), so it is sliced the same way
    local paired = #paths == #auth and #auth > 1
    local mine, mypaths = {}, {}
    for i, line in ipairs(auth) do
      if #auth < nthreads or (i - 1) % nthreads == (thread_no - 1) then
        mine[#mine + 1] = line
        if paired then mypaths[#mypaths + 1] = paths[i] end
      end
    end
    auth = mine
    if paired then paths = mypaths end
    n = 0
    codes = {}
    capture = os.getenv("BENCH_CAPTURE")
  end

  function request()
    n = n + 1
    if max_uses > 0 and #auth > 0 and n > #auth * max_uses then
      wrk.thread:stop()
    end
    local headers = {}
    if #auth > 0 then
      local line = auth[(n - 1) % #auth + 1]
      local k, v = string.match(line, "^([^:]+):%s*(.*)$")
      headers[k] = v
    end
    local body = nil
    if #bodies > 0 then
      body = bodies[(n - 1) % #bodies + 1]
      headers["Content-Type"] = ctype
    end
    local path = paths[(n - 1) % #paths + 1]
    return wrk.format(method, path, headers, body)
  end

  function response(status, headers, body)
    codes[status] = (codes[status] or 0) + 1
    if capture and status >= 400 then
      local f = io.open(capture .. "." .. thread_no, "w")
      if f then
        f:write("HTTP " .. status .. "\n")
        for k, v in pairs(headers) do f:write(k .. ": " .. v .. "\n") end
        f:write("\n" .. (body or ""))
        f:close()
      end
      capture = nil
    end
  end

  function done(summary, latency, requests)
    local all = {}
    for _, t in ipairs(threads) do
      local c = t:get("codes")
      if c then
        for k, v in pairs(c) do all[k] = (all[k] or 0) + v end
      end
    end
    local parts = {}
    for k, v in pairs(all) do parts[#parts + 1] = string.format('"%d": %d', k, v) end
    local e = summary.errors
    io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}, ' ..
      '"codes": {%s}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max, table.concat(parts, ", ")))
  end
end

return M
