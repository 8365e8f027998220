#!/usr/bin/env python3
"""Prompt-cache measurements against the real llama-server (docs/benchmarks.md,
"Prompt cache").

  scripts/prompt_cache.py probe [--model GGUF] [--server BIN]
      Starts llama-server with Chamber's flags (-t 1) and sends a turn, the
      next turn of the same conversation, and that next turn with the end of
      the system prompt changed (what Chamber did before: the tool section
      was narrowed and reworded between turns). Prints `timings.prompt_n`
      (evaluated) and `timings.cache_n` (reused) for each.

  scripts/prompt_cache.py run [--chamber BIN]
      Runs `chamber run` with the built-in local model on a small temporary
      project (and a temporary data dir linking the installed runtime and
      weights) and prints, per model turn, the prompt tokens and how many the
      server reused (`model_turn` usage), then stops the model server.

Both stop every server they start.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

DATA = os.path.expanduser("~/.local/share/chamber")
SERVER = os.path.join(DATA, "runtime/llama-server-11434.0.0/llama-server")
MODEL = os.path.join(DATA, "models/qwen2.5-coder-0.5b.gguf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chat(port, messages):
    body = {"model": "m", "messages": messages, "max_tokens": 8, "temperature": 0}
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions",
        json.dumps(body).encode(),
        {"content-type": "application/json"},
    )
    reply = json.load(urllib.request.urlopen(req, timeout=900))
    t = reply.get("timings", {})
    return t.get("prompt_n"), t.get("cache_n"), round(t.get("prompt_ms", 0) / 1000, 1)


def tool_section(tools, require):
    lines = ["# Tools"] + [f"- {t}: does {t}.\n  arguments: {{\"path\": \"string\"}}" for t in tools]
    ask = "Reply with one JSON object: {\"tool\": ..., \"arguments\": {...}}"
    return "\n".join(lines) + "\n\n" + (ask + "." if require else ask + " or {\"answer\": ...}.")


def probe(args):
    port = free_port()
    cmd = [args.server, "-m", args.model, "--host", "127.0.0.1", "--port", str(port),
           "-c", "4096", "-t", "1", "--parallel", "1", "--jinja", "--offline"]
    log = open(os.path.join(tempfile.gettempdir(), "prompt-cache-probe.log"), "w")
    server = subprocess.Popen(cmd, stdout=log, stderr=log)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                time.sleep(1)
        tools = ["read_file", "list_files", "search", "write_file", "edit_file", "shell"]
        system = "You are Chamber, a coding agent. Carry out the CURRENT STEP.\n\n"
        context = "# Project\n" + "\n".join(
            f"src/mod{i}.py: def handler_{i}(request): return respond(request, {i})" for i in range(40))
        step = [{"role": "user", "content": context + "\n\n# Task\nAdd a greeting.\n\n# CURRENT STEP: 1"}]
        turn = [{"role": "assistant", "content": "{\"tool\":\"read_file\",\"arguments\":{\"path\":\"src/mod1.py\"}}"},
                {"role": "user", "content": "Result of read_file:\ndef handler_1(request):\n    return 1"}]
        stable = [{"role": "system", "content": system + tool_section(tools, False)}]
        print("request                                   evaluated  reused  seconds")
        print("turn 1                                    %9s %7s %8s" % chat(port, stable + step))
        print("turn 2, same prefix (now)                 %9s %7s %8s" % chat(port, stable + step + turn))
        narrowed = [{"role": "system", "content": system + tool_section(["write_file", "edit_file"], True)}]
        print("turn 2, tool section narrowed (before)    %9s %7s %8s" % chat(port, narrowed + step + turn))
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(args):
    project = tempfile.mkdtemp(prefix="chamber-cache-")
    # A data dir of its own (the installed runtime and weights linked in), so
    # the run starts its own model server and stops only that one.
    home = tempfile.mkdtemp(prefix="chamber-cache-home-")
    for part in ("runtime", "models"):
        os.symlink(os.path.join(DATA, part), os.path.join(home, part))
    env = dict(os.environ, CHAMBER_HOME=home, CHAMBER_LOCAL__THREADS="1", NO_COLOR="1")
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        env.pop(key, None)

    def sh(*cmd, check=True):
        return subprocess.run(cmd, cwd=project, env=env, check=check, capture_output=True, text=True)

    try:
        sh("git", "init", "-q", "-b", "main")
        sh("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "init")
        with open(os.path.join(project, "calc.py"), "w") as f:
            f.write("def add(a, b):\n    return a - b\n")
        sh("git", "add", "calc.py")
        sh("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "calc")
        started = time.time()
        out = sh(args.chamber, "--provider", "local", "--json", "run", "--yes", "--max-turns", "6",
                 "Fix add in calc.py so it returns a + b", check=False)
        elapsed = time.time() - started
        env_line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "{}"
        run_id = json.loads(env_line).get("payload", {}).get("run_id")
        if not run_id:
            sys.exit(f"no run id: {out.stdout[-2000:]}\n{out.stderr[-2000:]}")
        shown = json.loads(sh(args.chamber, "--json", "runs", "show", run_id).stdout)
        print(f"run {run_id}: {shown['payload']['run']['status']} in {elapsed:.0f}s")
        print("turn  step  prompt  evaluated  reused")
        totals = [0, 0]
        for n, ev in enumerate(e for e in shown["payload"]["events"] if e["type"] == "model_turn"):
            u = ev["usage"]
            evaluated = u["prompt_tokens"] - u.get("cached_tokens", 0)
            totals[0] += evaluated
            totals[1] += u.get("cached_tokens", 0)
            print(f"{n + 1:4}  {ev.get('step_id', 'plan'):>4}  {u['prompt_tokens']:6}  {evaluated:9}  {u.get('cached_tokens', 0):6}")
        print(f"total evaluated {totals[0]}, reused {totals[1]}")
    finally:
        sh(args.chamber, "model", "stop", check=False)
        shutil.rmtree(project, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("probe")
    p.add_argument("--model", default=MODEL)
    p.add_argument("--server", default=SERVER)
    r = sub.add_parser("run")
    r.add_argument("--chamber", default="target/release/chamber")
    args = ap.parse_args()
    probe(args) if args.mode == "probe" else run(args)


if __name__ == "__main__":
    main()
