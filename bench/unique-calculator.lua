-- wrk script: every request is a calculator workload no cache has seen. `setup` gives each
-- thread its own range of numbers (as the global `base` in that thread), so no two
-- requests in a run share a URL.
-- UNIQUE_EXTRA (e.g. "&sellers=all") is appended to every URL.
local extra = os.getenv("UNIQUE_EXTRA") or ""
local counter = 0
local threads = 0

function setup(thread)
  thread:set("base", threads * 100000000)
  threads = threads + 1
end

function request()
  counter = counter + 1
  local n = (base or 0) + counter
  local path = string.format(
    "/calculator?requests=%d&input_tokens=%d&output_tokens=%d&cache_hit=%d&batch=%d%s",
    100000 + n, 2000 + (n % 3000), 300 + (n % 700), n % 80, n % 50, extra)
  return wrk.format("GET", path)
end
