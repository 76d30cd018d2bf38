"""Claude Code and Codex CLI, the real ones from npm, answering through chatapp on the demo model.

`chatapp launch` serves the model and runs each agent pointed at it: Claude Code over Anthropic's
Messages API, streamed, Codex over the Responses API. Claude Code's own first request is ~20,000 tokens
of system prompt and tools, which on two CPU cores is minutes of prompt reading (attention grows with
its square), so here it gets a short system prompt and five of its real tools (their schemas, grammar
and all, go through unchanged: ~16 s); the whole request is what it sends on a user's machine.

The agents are installed from the npm registry into a folder of this test run (or
CHATAPP_AGENTS_DIR, to reuse an install while developing); skipped only where npm is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from local_ports import free_port

AGENT_PACKAGES = ("@anthropic-ai/claude-code", "@openai/codex")
AGENT_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def agents_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: Claude Code and Codex come from the npm registry")
    folder = Path(os.environ.get("CHATAPP_AGENTS_DIR") or tmp_path_factory.mktemp("agents"))
    binaries = folder / "node_modules" / ".bin"
    if not all((binaries / name).exists() for name in ("claude", "codex")):
        subprocess.run([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", *AGENT_PACKAGES],
                       check=True, capture_output=True, timeout=900)
    return binaries


def launch(agent: str, binaries: Path, home: Path, *agent_args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{binaries}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
           "CODEX_HOME": str(home / ".codex"), "CHATAPP_DATA_DIR": str(home / "data"),
           "CHATAPP_CONFIG_DIR": str(home / "config")}
    (home / ".codex").mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "chatapp", "launch", agent, "--model", "demo", "--port",
                           str(free_port()), "--", *agent_args], capture_output=True, text=True,
                          env=env, timeout=AGENT_TIMEOUT_S, cwd=home, stdin=subprocess.DEVNULL)


def test_claude_code_answers_through_chatapp(agents_bin: Path, tmp_path: Path) -> None:
    run = launch("claude", agents_bin, tmp_path, "-p", "Say hello in one short sentence.",
                 "--system-prompt", "You are a helpful assistant.", "--tools", "Read", "Bash", "Edit", "Grep", "Glob")
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-2000:])
    assert run.stdout.strip(), run.stderr[-2000:]
    assert "serving SmolLM2-135M-Instruct.Q4_1" in run.stderr


def test_codex_answers_through_chatapp(agents_bin: Path, tmp_path: Path) -> None:
    run = launch("codex", agents_bin, tmp_path, "exec", "--skip-git-repo-check", "Say hello in one short sentence.")
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-2000:])
    assert run.stdout.strip() or "hello" in run.stderr.lower(), run.stderr[-2000:]
