-- GET with a different session cookie on every request, cycling through the ids in
-- $BENCH_SESSION_IDS (one per line): fills the server's session cache with every session.
wrk.headers["Accept"] = "application/json"
local ids = {}
for line in io.lines(os.getenv("BENCH_SESSION_IDS")) do
  ids[#ids + 1] = line
end
local n = 0
request = function()
  n = n + 1
  wrk.headers["Cookie"] = "session=" .. ids[(n % #ids) + 1]
  return wrk.format(nil)
end
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
