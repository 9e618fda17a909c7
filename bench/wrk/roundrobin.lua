-- Spreads wrk's threads over the instances in $BENCH_INSTANCES ("host:port,host:port,..."):
-- thread i talks to instance i mod n, so `-t3` with three instances is a round-robin load
-- balancer in front of them. Headers from -H are added by wrk.
wrk.headers["Accept"] = "application/json"
local addrs = {}
for hostport in string.gmatch(os.getenv("BENCH_INSTANCES"), "[^,]+") do
  local host, port = string.match(hostport, "([^:]+):(%d+)")
  addrs[#addrs + 1] = wrk.lookup(host, port)[1]
end
local count = 0
setup = function(thread)
  count = count + 1
  thread.addr = addrs[((count - 1) % #addrs) + 1]
end
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
