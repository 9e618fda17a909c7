"""Turns the JSON lines written by bench/run.sh into bench/RESULTS.md (Markdown on stdout)."""

import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
meta = next(r for r in rows if r["kind"] == "meta")
argon = next((r["result"] for r in rows if r["kind"] == "argon2"), None)
loads = [r for r in rows if r["kind"] == "load"]
mem = {(r["system"], r["phase"]): r for r in rows if r["kind"] == "mem"}
store = next((r for r in rows if r["kind"] == "store"), None)
seeds = [r for r in rows if r["kind"] == "seed"]
revocations = [r["result"] for r in rows if r["kind"] == "revocation"]


def runs(system, case, threads=None):
    return [
        r["result"]
        for r in loads
        if r["system"] == system and r["case"] == case and (threads is None or r["threads"] == threads)
    ]


def med(system, case, threads=None, key="rps"):
    xs = [r[key] for r in runs(system, case, threads)]
    return statistics.median(xs) if xs else None


def per_round_ratio(a, b, threads):
    """Median over rounds of (a's rps / b's rps) measured in the same round."""
    ra = {r["round"]: r["result"]["rps"] for r in loads if (r["system"], r["case"]) == a and r["threads"] == threads}
    rb = {r["round"]: r["result"]["rps"] for r in loads if (r["system"], r["case"]) == b and r["threads"] == threads}
    xs = [ra[k] / rb[k] for k in ra if k in rb and rb[k]]
    return statistics.median(xs) if xs else None


def f(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def pct(x):
    return "–" if x is None else f"{x * 100:.0f}%"


out = []
w = out.append
w("# Benchmark results")
w("")
w(f"Command: `{meta['command'].strip()}` ({meta['mode']} mode), {meta['date']}.")
w("")
w(
    f"Machine: {meta['cores']} cores (a shared VM: neighbours make single runs noisy, hence "
    f"{meta['rounds']} interleaved round(s) and medians). Load generator: {meta['wrk']}, "
    f"{meta['concurrency']} connections, {meta['duration_s']} s a case, loopback. Release builds; "
    "SQLite (WAL) unless said otherwise. Request logs (`info`, one line per request) and metrics "
    "on in every portcullis process."
)
w("")
w(
    f"Database: {meta['users']:,} users, {meta['sessions']:,} live sessions. "
    "portcullis serve = the `portcullis` binary; library = an axum app with a `CurrentUser` "
    "route behind `portcullis::http::secure`; axum-login = axum-login 0.18 + tower-sessions 0.14 "
    "with tower-sessions-sqlx-store (SQLite), `login_required!` route (bench/peers/axum-login)."
)
w("")
w("## Authenticated requests against bare axum and the Rust peer")
w("")
w("| case | -t1 req/s | p99 ms | vs bare axum | -t2 req/s | vs bare axum |")
w("|---|---:|---:|---:|---:|---:|")
cases = [
    ("bare axum `hello`", ("bare", "hello")),
    ("portcullis serve `/auth/check`, token", ("portcullis", "check_token")),
    ("portcullis serve `/auth/check`, session", ("portcullis", "check_session")),
    ("library `CurrentUser` route, token", ("library", "route_token")),
    ("library `CurrentUser` route, session", ("library", "route_session")),
    ("axum-login route, session", ("axum-login", "route_session")),
]
for label, key in cases:
    w(
        f"| {label} | {f(med(*key, 1))} | {f(med(*key, 1, 'p99_ms'), 2)} | "
        f"{pct(per_round_ratio(key, ('bare', 'hello'), 1))} | {f(med(*key, 2))} | "
        f"{pct(per_round_ratio(key, ('bare', 'hello'), 2))} |"
    )
w("")
peer_ratio_1 = per_round_ratio(("library", "route_session"), ("axum-login", "route_session"), 1)
peer_ratio_2 = per_round_ratio(("library", "route_session"), ("axum-login", "route_session"), 2)
w(
    f"portcullis session route / axum-login session route: **{f(peer_ratio_1, 2)}x** (-t1), "
    f"{f(peer_ratio_2, 2)}x (-t2)."
)
w("")

w("## Login")
w("")
c1 = runs("portcullis", "login_c1")
idle = runs("portcullis", "check_token_idle")
flood = runs("portcullis", "check_token_flood")
overhead = None
if argon and c1:
    hash_ms = argon["median_ms"]
    p50 = c1[0]["p50_ms"]
    overhead = (p50 - hash_ms) / hash_ms
    w(
        f"One argon2id verification with Flask-Security's parameters ({argon['params']}): "
        f"**{hash_ms:.1f} ms** (median of {argon['samples']}). `POST /login` on one connection: "
        f"p50 {p50:.1f} ms, so everything beyond the hash costs **{overhead * 100:.1f}%** of it "
        "(the hash is timed in another process: a few percent either way is noise)."
    )
    w("")
flood_ratio = None
if idle and flood:
    flood_ratio = flood[0]["p99_ms"] / idle[0]["p99_ms"] if idle[0]["p99_ms"] else None
    w("| token `/auth/check` | req/s | p50 ms | p99 ms |")
    w("|---|---:|---:|---:|")
    w(f"| idle | {f(idle[0]['rps'])} | {idle[0]['p50_ms']:.2f} | {idle[0]['p99_ms']:.2f} |")
    w(f"| while 64 connections flood `POST /login` | {f(flood[0]['rps'])} | {flood[0]['p50_ms']:.2f} | {flood[0]['p99_ms']:.2f} |")
    w("")
pc_login = runs("portcullis", "login_pool_cores")
fs_login = runs("flask-security", "login_pool_cores")
login_ratio = None
if pc_login:
    line = (
        f"Login throughput with `PORTCULLIS_HASHING_POOL_SIZE={meta['cores']}` ({meta['cores'] * 4} "
        f"connections): **{pc_login[0]['rps']:.1f} logins/s**"
    )
    if fs_login:
        login_ratio = pc_login[0]["rps"] / fs_login[0]["rps"] if fs_login[0]["rps"] else None
        line += (
            f"; Flask-Security ({meta['cores']} gunicorn workers, same argon2 parameters): "
            f"{fs_login[0]['rps']:.1f} logins/s ({f(login_ratio, 2)}x)"
        )
    w(line + ".")
    w("")
fs_tok = runs("flask-security", "check_token")
if fs_tok:
    pc_tok = med("portcullis", "check_token", 1)
    w(
        f"Flask-Security token `/auth/check`: {f(fs_tok[0]['rps'])} req/s "
        f"(portcullis: {f(pc_tok)}, {f(pc_tok / fs_tok[0]['rps'] if pc_tok else None, 1)}x)."
    )
    w("")

scale_ratio = {}
rev = {r["how"]: r for r in revocations}
if runs("scale3", "token"):
    w("## Scale-out: three instances on PostgreSQL and Redis")
    w("")
    w(
        "wrk with three threads and 48 connections; `bench/wrk/roundrobin.lua` gives each thread "
        "one instance (three instances: a round-robin balancer; one instance: all threads on it)."
    )
    w("")
    w("| case | 3 × portcullis (PostgreSQL + Redis) req/s | p99 ms | 1 × portcullis (SQLite) req/s | p99 ms |")
    w("|---|---:|---:|---:|---:|")
    for case in ("token", "session"):
        w(
            f"| {case} | {f(med('scale3', case))} | {f(med('scale3', case, key='p99_ms'), 2)} | "
            f"{f(med('scale1', case))} | {f(med('scale1', case, key='p99_ms'), 2)} |"
        )
    w("")
    w(
        "Two cores serve all three instances, PostgreSQL, Redis and wrk here, so three instances "
        "cannot be faster than one; the figures show what the shared stores cost per request."
    )
    w("")
if rev:
    w("Revocation across instances (a session signed in on the first instance and cached by all "
      "three; time from the revocation's answer until every instance answers 401):")
    w("")
    w("| revocation | rounds | median ms | max ms |")
    w("|---|---:|---:|---:|")
    for how, label in (("logout", "`POST /logout` on instance 1"), ("reset-access", "`portcullis users reset-access` (CLI)")):
        if how in rev:
            r = rev[how]
            w(f"| {label} | {r['rounds']} | {r['median_ms']:.2f} | {r['max_ms']:.2f} |")
    w("")

w("## Memory (portcullis serve)")
w("")
w("| phase | RSS MB | peak RSS MB |")
w("|---|---:|---:|")
for (system, phase), r in mem.items():
    if system == "portcullis":
        w(f"| {phase} | {r['rss_kb'] / 1024:.1f} | {r['hwm_kb'] / 1024:.1f} |")
w("")
settled = [r["rss_kb"] for (s, p), r in mem.items() if s == "portcullis"]
per_session_cache = None
a, b = mem.get(("portcullis", "after_load")), mem.get(("portcullis", "after_all_sessions"))
if a and b and meta["sessions"]:
    per_session_cache = (b["rss_kb"] - a["rss_kb"]) * 1024 / meta["sessions"]
per_session_store = None
if store and store["sessions"]:
    per_session_store = (store["db_bytes_with_sessions"] - store["db_bytes_users"]) / store["sessions"]
w(
    "Peak RSS includes argon2's working memory (64 MiB per verification with m=65536, times the "
    "hashing pool), returned when the hashes finish. "
    f"Per live session: **{f(per_session_store)} bytes** in the SQLite store, and "
    f"**{f(per_session_cache)} bytes** of RSS once it is in the request cache "
    f"(`all_sessions`: every seeded session requested once)."
)
peer_mem = mem.get(("axum-login", "after_load"))
if peer_mem:
    w(f"axum-login peer RSS after its load: {peer_mem['rss_kb'] / 1024:.1f} MB.")
fs_mem = mem.get(("flask-security", "after_load"))
if fs_mem:
    w(f"Flask-Security (gunicorn master + workers) RSS: {fs_mem['rss_kb'] / 1024:.1f} MB.")
for s in seeds:
    if s["step"] == "users":
        w(f"Seeding {s['result']['users']:,} users took {s['result']['seconds']:.0f} s.")
w("")

w("## Targets")
w("")
w("Goals for the code, not assertions in tests. Missed targets are explained in bench/PROFILING.md.")
w("")
w("| target | measured | met |")
w("|---|---|---|")


def target(name, value, ok, shown):
    w(f"| {name} | {shown} | {'–' if value is None else ('yes' if ok else 'no')} |")


for label, key in cases[1:5]:
    r1 = per_round_ratio(key, ("bare", "hello"), 1)
    r2 = per_round_ratio(key, ("bare", "hello"), 2)
    target(f"{label} ≥ 85% of bare axum (-t1)", r1, r1 is not None and r1 >= 0.85, f"{pct(r1)} (-t2: {pct(r2)})")
target("portcullis session route ≥ 1.2x axum-login (-t1)", peer_ratio_1, (peer_ratio_1 or 0) >= 1.2, f"{f(peer_ratio_1, 2)}x")
target("login p50 overhead beyond the hash < 5%", overhead, overhead is not None and overhead < 0.05, "–" if overhead is None else f"{overhead * 100:.1f}%")
target("token p99 during a 64-connection login flood < 3x idle p99", flood_ratio, (flood_ratio or 99) < 3, f"{f(flood_ratio, 1)}x")
target("login throughput (pool = cores) ≥ Flask-Security's", login_ratio, (login_ratio or 0) >= 1, f"{f(login_ratio, 2)}x")
if "logout" in rev:
    m = rev["logout"]["max_ms"]
    target("revocation reaches every instance < 100 ms (logout, max)", m, m < 100, f"{m:.1f} ms")
if "reset-access" in rev:
    m = rev["reset-access"]["max_ms"]
    target("revocation reaches every instance < 100 ms (reset-access, max)", m, m < 100, f"{m:.1f} ms")
top = max(settled) / 1024 if settled else None
target(
    f"settled RSS < 64 MB with {meta['users']:,} users and {meta['sessions']:,} sessions",
    top,
    top is not None and top < 64,
    "–" if top is None else f"{top:.1f} MB (highest settled)",
)
w("")
print("\n".join(out))
