#!/usr/bin/env python3
"""Core benchmarks (docs/benchmarks.md): startup vs a hello-world Rust binary,
harness overhead per tool-calling turn against a zero-latency local model
server, and peak RSS for runs of different lengths. Ratios inside one run are
what count; this machine is shared and noisy."""
import json, os, statistics, subprocess, sys, tempfile, time
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/chamber-target"))
BIN = os.path.join(TARGET, "release")


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def build():
    sh("cargo", "build", "--release", "-q", "-p", "chamber-cli", "-p", "chamber-mock-llm", cwd=ROOT,
       env={**os.environ, "CARGO_TARGET_DIR": TARGET})


def startup(reps=200):
    tmp = tempfile.mkdtemp()
    src = os.path.join(tmp, "hello.rs")
    open(src, "w").write('fn main() { println!("hello"); }\n')
    hello = os.path.join(tmp, "hello")
    sh("rustc", "-O", "-o", hello, src)
    chamber = [os.path.join(BIN, "chamber"), "--version"]
    times = {"chamber": [], "hello": []}
    for _ in range(reps):
        for name, cmd in (("chamber", chamber), ("hello", [hello])):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            times[name].append((time.perf_counter() - t) * 1000)
    c, h = statistics.median(times["chamber"]), statistics.median(times["hello"])
    return {"chamber_ms": round(c, 3), "hello_ms": round(h, 3), "ratio": round(c / h, 2), "reps": reps}


def harness(turns):
    work = tempfile.mkdtemp()
    repo = os.path.join(work, "repo")
    os.makedirs(repo)
    open(os.path.join(repo, "a.txt"), "w").write("one line\n")
    home = os.path.join(work, "home")
    plan = {"title": "Read a file many times", "steps": [{"id": "1", "title": "read", "kind": "analyze"}]}
    call = {"tool_calls": [{"name": "read_file", "arguments": json.dumps({"path": "a.txt"})}]}
    script = [{"content": json.dumps(plan)}] + [call] * turns + [{"content": "done"}]
    script_path = os.path.join(work, "script.json")
    json.dump(script, open(script_path, "w"))
    mock = subprocess.Popen([os.path.join(BIN, "chamber-mock-llm"), "--script", script_path], stdout=subprocess.PIPE, text=True)
    url = mock.stdout.readline().split()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CHAMBER_"))}
    env.update({"CHAMBER_HOME": home, "XDG_CONFIG_HOME": home, "OPENAI_BASE_URL": url, "NO_COLOR": "1",
                "CHAMBER_AGENT__MAX_TURNS_PER_STEP": str(turns + 5)})
    try:
        t = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-f", "%M", os.path.join(BIN, "chamber"), "-C", repo, "run", "--yes", "-q",
                              "read a.txt"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t
        rss_kb = int(res.stderr.strip().splitlines()[-1])
        if res.returncode != 0:
            raise SystemExit(f"run failed: {res.stderr}")
        show = subprocess.run([os.path.join(BIN, "chamber"), "-C", repo, "runs", "list", "--json"], env=env,
                              capture_output=True, text=True, check=True)
        run_id = json.loads(show.stdout)["payload"]["runs"][0]["id"]
        show = subprocess.run([os.path.join(BIN, "chamber"), "-C", repo, "runs", "show", run_id, "--json"], env=env,
                              capture_output=True, text=True, check=True)
        events = json.loads(show.stdout)["payload"]["events"]
    finally:
        mock.kill()
    ts = lambda e: datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
    start = next(e for e in events if e["type"] == "step_started")
    end = next(e for e in events if e["type"] == "step_completed")
    model_ms = sum(e["duration_ms"] for e in events if e["type"] == "model_turn" and e.get("step_id"))
    step_ms = (ts(end) - ts(start)) * 1000
    n_turns = sum(1 for e in events if e["type"] == "model_turn" and e.get("step_id"))
    return {"turns": n_turns, "wall_s": round(wall, 3), "step_ms": round(step_ms, 1), "model_ms": model_ms,
            "overhead_ms_per_turn": round((step_ms - model_ms) / n_turns, 3),
            "total_ms_per_turn": round(step_ms / n_turns, 3), "peak_rss_mb": round(rss_kb / 1024, 1)}


def main():
    build()
    out = {"startup": startup(), "harness_50": harness(50), "harness_200": harness(200)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    sys.exit(main())
