-- wrk script: a flood of unique, uncached URLs, half calculator results and half catalogue
-- searches, each rendering every model (no two requests alike, so none is a cache hit).
--   wrk -t2 -c256 -d20s -s bench/flood.lua http://127.0.0.1:PORT
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  n = 0
end

function request()
  n = n + 1
  local k = tid * 100000000 + n
  if n % 2 == 0 then
    return wrk.format("GET", string.format("/models?max_input=%.6f", 1000 + k / 1000000))
  end
  return wrk.format("GET", "/calculator?requests=" .. k .. "&input_tokens=3000&output_tokens=800")
end
