"""Turns the JSON lines written by bench/run.sh into bench/RESULTS.md (Markdown on stdout)."""

import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
command = sys.argv[2] if len(sys.argv) > 2 else "bench/run.sh"
meta = next(r for r in rows if r["kind"] == "meta")
argon = next((r["result"] for r in rows if r["kind"] == "argon2"), None)
load = {(r["system"], r["case"]): r for r in rows if r["kind"] == "load"}
mem = [r for r in rows if r["kind"] == "mem"]
seed = next((r["result"] for r in rows if r["kind"] == "seed"), None)


def res(system, case):
    r = load.get((system, case))
    return r["result"] if r else None


def f(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


out = []
w = out.append
w("# Benchmark results")
w("")
w(f"Command: `{command}` ({meta['mode']} mode), {meta['date']}.")
w("")
w(
    f"Machine: {meta['cores']} cores (shared). Load generator: {meta['wrk']}, {meta['threads']} threads, "
    f"{meta['concurrency']} connections, {meta['duration_s']} s a case, all on loopback. "
    f"portcullis: release build, SQLite (WAL), default settings (hashing pool = half the cores, at least one). "
    f"Flask-Security-Too 5.9.2 on gunicorn with one sync worker per core, SQLite. "
    f"Bare axum: a `hello` JSON handler, the physical limit of the HTTP stack here."
)
if seed:
    w("")
    w(f"Database during the portcullis runs: {seed['users']:,} users, {seed['sessions']:,} live sessions.")
w("")
w("## Throughput and latency")
w("")
w("| case | bare axum req/s | portcullis req/s | p50 ms | p99 ms | Flask-Security req/s | p50 ms | p99 ms | portcullis / bare | portcullis / Flask-Security |")
w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
bare = res("bare", "a_public")
names = {
    "a_public": "(a) public endpoint",
    "b_token": "(b) token-authenticated",
    "c_session": "(c) session-authenticated",
    "d_auth_check": "(d) `/auth/check` + role",
    "e_login": "(e) `POST /login` (JSON)",
    "e_login_c1": "(e) `POST /login`, 1 connection",
}
for case, label in names.items():
    p = res("portcullis", case)
    fs = res("flask-security", case)
    vs_bare = ratio(p and p["rps"], bare and bare["rps"]) if case[0] in "abcd" else None
    vs_fs = ratio(p and p["rps"], fs and fs["rps"])
    w(
        f"| {label} | {f(bare['rps']) if bare and case[0] in 'abcd' else '–'} | {f(p and p['rps'])} | "
        f"{f(p and p['p50_ms'], 2)} | {f(p and p['p99_ms'], 2)} | {f(fs and fs['rps'])} | "
        f"{f(fs and fs['p50_ms'], 2)} | {f(fs and fs['p99_ms'], 2)} | "
        f"{f(vs_bare and vs_bare * 100)}{'%' if vs_bare else ''} | {f(vs_fs, 1)}{'x' if vs_fs else ''} |"
    )
errors = [(k, v["result"]) for k, v in load.items() if v["result"]["errors"] or v["result"]["non2xx"]]
if errors:
    w("")
    w("Errors seen (socket errors / non-2xx answers): " + ", ".join(f"{k[0]} {k[1]}: {r['errors']}/{r['non2xx']}" for k, r in errors)
      + ". In the login flood, connections queued behind the hashing pool for longer than wrk's 10 s timeout count as socket errors: the flood exists to saturate the pool.")

w("")
w("## Login: the hash and the rest")
w("")
login1 = res("portcullis", "e_login_c1")
if argon:
    w(f"One argon2id verification with Flask-Security's parameters ({argon['params']}), measured in this run: "
      f"**{argon['median_ms']:.1f} ms** (median of {argon['samples']}).")
overhead = None
if argon and login1:
    overhead = (login1["p50_ms"] - argon["median_ms"]) / argon["median_ms"]
    w("")
    w(f"`POST /login` on one connection: p50 {login1['p50_ms']:.1f} ms, so the work beyond the hash "
      f"(parsing, lookup, login tracking, session write, token, JSON) is "
      f"**{login1['p50_ms'] - argon['median_ms']:.2f} ms = {overhead * 100:.1f}%** of the hash "
      f"(the hash is timed in a separate process, so a few percent either way is noise).")
    w("")
    w("Login throughput under load is bounded by the hashing pool by design: with the default (half "
      "the cores) a 2-core machine verifies one password at a time and keeps the other core for "
      "token and session requests; `hashing_pool_size` = number of cores doubles login throughput "
      "at the cost of request latency during a login flood.")

w("")
w("## Isolation: token requests during a login flood")
w("")
idle = res("portcullis", "b_token")
flood = res("portcullis", "b_token_during_flood")
iso = ratio(flood and flood["p99_ms"], idle and idle["p99_ms"])
w("| | req/s | p50 ms | p99 ms |")
w("|---|---:|---:|---:|")
w(f"| (b) idle | {f(idle and idle['rps'])} | {f(idle and idle['p50_ms'], 2)} | {f(idle and idle['p99_ms'], 2)} |")
w(f"| (b) while 64 connections flood `POST /login` | {f(flood and flood['rps'])} | {f(flood and flood['p50_ms'], 2)} | {f(flood and flood['p99_ms'], 2)} |")

w("")
w("## Memory (portcullis server)")
w("")
w("| phase | RSS MB | peak RSS MB |")
w("|---|---:|---:|")
for m in mem:
    if m["system"] == "portcullis":
        w(f"| {m['phase']} | {m['rss_kb'] / 1024:.1f} | {m['hwm_kb'] / 1024:.1f} |")
peak = max((m["hwm_kb"] for m in mem if m["system"] == "portcullis"), default=None)
settled = max((m["rss_kb"] for m in mem if m["system"] == "portcullis"), default=None)
w("")
w("RSS is read a second after each phase; the peak includes argon2's working memory, 64 MiB per "
  "verification with Flask-Security's parameters (m=65536), times the hashing pool (one per core): "
  "that memory is returned as soon as the hashes finish.")
fs_peak = max((m["hwm_kb"] for m in mem if m["system"] == "flask-security"), default=None)
if fs_peak:
    w("")
    w(f"Flask-Security (gunicorn master + workers), peak RSS: {fs_peak / 1024:.1f} MB.")

w("")
w("## Targets")
w("")
w("Goals for the code, not assertions in tests.")
w("")
w("| target | measured | met |")
w("|---|---|---|")


def target(name, value, ok, shown):
    w(f"| {name} | {shown if value is not None else '–'} | {'yes' if value is not None and ok else ('–' if value is None else '**no**')} |")


for case in ("b_token", "c_session"):
    r = ratio(res("portcullis", case) and res("portcullis", case)["rps"], bare and bare["rps"])
    target(f"{names[case]} ≥ 60% of bare axum", r, r is not None and r >= 0.6, f"{(r or 0) * 100:.0f}%")
for case in ("b_token", "c_session", "d_auth_check"):
    p, fs = res("portcullis", case), res("flask-security", case)
    r = ratio(p and p["rps"], fs and fs["rps"])
    target(f"{names[case]} ≥ 20x Flask-Security", r, r is not None and r >= 20, f"{(r or 0):.1f}x")
target("login overhead beyond the hash < 10%", overhead, overhead is not None and overhead < 0.10, f"{(overhead or 0) * 100:.1f}%")
target("token p99 during the login flood < 5x idle p99", iso, iso is not None and iso < 5, f"{(iso or 0):.1f}x")
target(
    f"RSS < 64 MB with {seed['users'] if seed else '?'} users and {seed['sessions'] if seed else '?'} sessions (highest settled RSS)",
    settled,
    settled is not None and settled < 64 * 1024,
    f"{(settled or 0) / 1024:.1f} MB (peak during hashing {(peak or 0) / 1024:.1f} MB)",
)
import os

notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "PROFILING.md")
if os.path.exists(notes):
    w("")
    w(open(notes).read().rstrip())
if meta["mode"] == "quick":
    w("")
    w("Quick mode: short runs and a small database; the full table comes from `bench/run.sh`.")
print("\n".join(out))
