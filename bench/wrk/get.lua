-- GET with the JSON Accept header (headers from -H are added by wrk).
wrk.headers["Accept"] = "application/json"
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
