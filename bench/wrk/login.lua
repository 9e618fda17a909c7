-- POST /login (JSON) with the bench user's credentials.
wrk.method = "POST"
wrk.path = "/login"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"bench password 1"}'
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
