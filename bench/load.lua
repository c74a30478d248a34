-- wrk script for the undersigned benchmark. Modes (first argument after --):
--   get                          plain GETs of the URL given to wrk
--   sign    RUN PATH ORIGIN STARTED BASE
--                                form POSTs, each with a distinct email, email domain and
--                                client address, carrying the page's signed render time
--   confirm TOKENS PATH ORIGIN   POSTs to confirmation links, one token per request
-- Every thread counts responses by status; done() prints one line "BENCH {json}".

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "get"
  sent, c200, c302, c4xx, c5xx, cother, wrapped = 0, 0, 0, 0, 0, 0, 0
  if mode == "sign" then
    run, path, origin, started = args[2], args[3], args[4], args[5] or ""
    -- Each round signs from addresses of its own (10.BASE+thread.x.y): a round reusing the
    -- last one's addresses within a minute would be quarantined by the burst limit.
    base = tonumber(args[6] or "0")
  elseif mode == "confirm" then
    path, origin = args[3], args[4]
    local nthreads = tonumber(args[5] or "1")
    tokens = {}
    local i = 0
    for line in io.lines(args[2]) do
      if i % nthreads == id then table.insert(tokens, line) end
      i = i + 1
    end
  end
end

local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function request()
  sent = sent + 1
  if mode == "sign" then
    -- 10.x.y.z, distinct per request: honoured because the bench trusts 127.0.0.1 as a proxy.
    local address = string.format(
      "10.%d.%d.%d", (base + id) % 256, math.floor(sent / 256) % 256, sent % 256)
    -- As many people at as many workplaces: a distinct domain keeps the per-domain limit
    -- (a crowd from one small domain is quarantined) out of the measurement.
    local body = string.format(
      "name=Bench+Signer+%d+%d&email=b%s-%d-%d%%40d%d-%d.example.org&country=DE&city=Berlin" ..
      "&affiliation=&visibility=%d&started=%s", id, sent, run, id, sent, id, sent,
      (sent % 4) + 1, started)
    form["Origin"] = origin
    form["X-Forwarded-For"] = address
    return wrk.format("POST", path, form, body)
  elseif mode == "confirm" then
    local index = sent
    if index > #tokens then
      wrapped = wrapped + 1
      index = (index - 1) % #tokens + 1
    end
    form["Origin"] = origin
    form["X-Forwarded-For"] = string.format("10.200.%d.%d", math.floor(sent / 256) % 256, sent % 256)
    return wrk.format("POST", string.format(path, tokens[index]), form, "")
  end
  return wrk.request()
end

-- A signer refused by admission control (503 + Retry-After: 2) waits before sending again,
-- as the page asks: an instant resend would measure a retry storm, not the capacity. wrk
-- asks delay() before each request of this thread, so the next connection to send waits.
local owed = 0

function delay()
  if owed > 0 then
    owed = owed - 1
    return 2000
  end
  return 0
end

function response(status, headers, body)
  if status == 503 and (headers["retry-after"] or headers["Retry-After"]) then owed = owed + 1 end
  if status == 200 then c200 = c200 + 1
  elseif status == 302 then c302 = c302 + 1
  elseif status >= 500 then c5xx = c5xx + 1
  elseif status >= 400 then c4xx = c4xx + 1
  else cother = cother + 1 end
end

function done(summary, latency, requests)
  local total = { sent = 0, c200 = 0, c302 = 0, c4xx = 0, c5xx = 0, cother = 0, wrapped = 0 }
  local sent_by_thread = {}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(total) do total[key] = total[key] + (thread:get(key) or 0) end
    table.insert(sent_by_thread, tostring(thread:get("sent") or 0))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"status":{"200":%d,"302":%d,"4xx":%d,"5xx":%d,"other":%d},"wrapped":%d,' ..
    '"sent_by_thread":[%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    total.c200, total.c302, total.c4xx, total.c5xx, total.cother, total.wrapped,
    table.concat(sent_by_thread, ",")))
end
