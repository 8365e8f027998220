#!/usr/bin/env python3
"""Local-model benchmark: Chamber's client path against llama-server called
directly, same server, model and prompt, alternating in one run.

Reports prompt and generation tokens/s for both (and their ratio), time to
first token, cold start (supervisor spawn to /health ready, through
`chamber model chat` with no server running) and resident memory of
llama-server and of the chamber process.

    python3 scripts/bench_local.py [--model qwen2.5-coder-0.5b] [--rounds 5]

Needs the model installed (`chamber model install NAME`) and a release build
(cargo build --release -p chamber-cli). Uses $CHAMBER_HOME as usual.
"""
import argparse, json, os, statistics, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/chamber-target"))
CHAMBER = os.path.join(TARGET, "release", "chamber")

CODE = open(os.path.join(ROOT, "crates/chamber-local/src/weights.rs")).read()[:1400]
PROMPT = "Explain briefly what this Rust code does:\n\n" + CODE


def chamber(*args, env=None):
    """Runs chamber --json, returns (envelope, max RSS in KiB)."""
    p = subprocess.Popen([CHAMBER, "--json", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    lines = [l for l in out.decode().splitlines() if l.strip()]
    env = json.loads(lines[-1])
    if not env.get("ok"):
        sys.exit(f"chamber {' '.join(args)} failed: {env.get('error')}")
    return env["payload"], usage.ru_maxrss


def direct(port, model, prompt, max_tokens):
    body = json.dumps({
        "model": model, "messages": [{"role": "user", "content": prompt}],
        "stream": True, "stream_options": {"include_usage": True},
        "temperature": 0.0, "max_tokens": max_tokens,
    }).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", body,
                                 {"content-type": "application/json"})
    sent = time.perf_counter()
    first = None
    usage = {}
    with urllib.request.urlopen(req, timeout=600) as r:
        for raw in r:
            line = raw.decode().strip()
            if not line.startswith("data:") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[5:])
            if chunk.get("usage"):
                usage = chunk["usage"]
            for ch in chunk.get("choices", []):
                if ch.get("delta", {}).get("content") and first is None:
                    first = time.perf_counter() - sent
    total = time.perf_counter() - sent
    first = first or total
    gen = (usage.get("completion_tokens", 1) - 1) / max(total - first, 1e-6)
    return {"ttft_ms": first * 1000, "prompt_tokens_per_s": usage.get("prompt_tokens", 0) / first,
            "gen_tokens_per_s": gen, "usage": usage}


def rss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--cold", type=int, default=3)
    a = ap.parse_args()

    colds = []
    for _ in range(a.cold):
        chamber("model", "stop")
        p, _ = chamber("--model", a.model, "model", "chat", "--max-tokens", "1", "Hi")
        colds.append(p["server_ready_ms"])
    warm, chamber_rss = chamber("--model", a.model, "model", "chat", "--max-tokens", "1", "Hi")
    port, pid = warm["port"], warm["server_pid"]

    rows = {"chamber": [], "direct": []}
    rss = []
    for i in range(a.rounds):
        # A distinct first line per request defeats llama-server's prompt cache,
        # so every request processes its whole prompt.
        order = ["direct", "chamber"] if i % 2 == 0 else ["chamber", "direct"]
        for which in order:
            prompt = f"[round {i} {which}]\n" + PROMPT
            if which == "direct":
                rows["direct"].append(direct(port, a.model, prompt, a.max_tokens))
            else:
                p, r = chamber("--model", a.model, "model", "chat", "--max-tokens", str(a.max_tokens), prompt)
                chamber_rss = max(chamber_rss, r)
                rows["chamber"].append(p)
        rss.append(rss_kib(pid))

    med = lambda which, key: statistics.median(r[key] for r in rows[which])
    print(f"model {a.model}, {a.rounds} rounds, prompt {rows['direct'][0]['usage'].get('prompt_tokens')} tokens, "
          f"up to {a.max_tokens} generated, threads as configured")
    print("| path | prompt tok/s | generation tok/s | time to first token |")
    print("|---|---|---|---|")
    for which in ("direct", "chamber"):
        print(f"| {which} | {med(which, 'prompt_tokens_per_s'):.1f} | {med(which, 'gen_tokens_per_s'):.1f} | "
              f"{med(which, 'ttft_ms'):.0f} ms |")
    print(f"| chamber / direct | {med('chamber', 'prompt_tokens_per_s') / med('direct', 'prompt_tokens_per_s'):.3f} | "
          f"{med('chamber', 'gen_tokens_per_s') / med('direct', 'gen_tokens_per_s'):.3f} | |")
    print(f"cold start (spawn supervisor → /health ready), median of {a.cold}: {statistics.median(colds):.0f} ms "
          f"(runs: {', '.join(f'{c:.0f}' for c in colds)})")
    print(f"RSS: llama-server {max(rss) / 1024:.0f} MB; chamber process peak {chamber_rss / 1024:.1f} MB")
    chamber("model", "stop")


if __name__ == "__main__":
    main()
