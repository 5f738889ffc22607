-- wrk script: a flood of unique, uncached URLs, half calculator results and half catalogue
-- searches, each rendering every model (no two requests alike, so none is a cache hit).
-- It counts the answers by status and the 503s that lack a Retry-After, and prints them
-- at the end as one line: "flood statuses: 200=N 503=N ...; 503 without Retry-After: N".
--   wrk -t2 -c256 -d20s -s bench/flood.lua http://127.0.0.1:PORT
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  n = 0
  statuses = {}
  bare_503 = 0
end

function request()
  n = n + 1
  local k = tid * 100000000 + n
  if n % 2 == 0 then
    return wrk.format("GET", string.format("/models?max_input=%.6f", 1000 + k / 1000000))
  end
  return wrk.format("GET", "/calculator?requests=" .. k .. "&input_tokens=3000&output_tokens=800")
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and headers["Retry-After"] == nil and headers["retry-after"] == nil then
    bare_503 = bare_503 + 1
  end
end

function done(summary, latency, requests)
  local total, bare = {}, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
    bare = bare + thread:get("bare_503")
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, status .. "=" .. count)
  end
  table.sort(parts)
  io.write("flood statuses: " .. table.concat(parts, " ") .. "; 503 without Retry-After: " .. bare .. "\n")
end
