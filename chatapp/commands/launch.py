"""`chatapp launch claude|codex`: a coding agent on your own model, as `ollama launch` does.

    chatapp launch claude|codex [--model PATH|NAME|demo] [--port 8080] [--ctx N] [--print] [-- AGENT ARGS...]

Reuses a server already answering on 127.0.0.1:PORT (the window's local API server, or `chatapp serve`),
or serves the model itself for as long as the agent runs; then runs the agent pointed at it. Claude Code
speaks Anthropic's Messages API and is pointed through its environment (ANTHROPIC_BASE_URL and friends);
Codex speaks the Responses API and is pointed through `-c` overrides of a `chatapp` model provider, so
the user's own config.toml is left as it is. `--print` shows those settings instead of running anything.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from chatapp.core.errors import KnownError
from chatapp.core.storage.paths import AppPaths
from chatapp.core.types import LoadOptions

AGENTS = {
    "claude": ("claude", "Claude Code", "npm install -g @anthropic-ai/claude-code"),
    "codex": ("codex", "Codex CLI", "npm install -g @openai/codex"),
}
PROBE_TIMEOUT_S = 2.0
# Two requests at once: agents send a second one (a title, a summary) beside the main turn.
LAUNCH_PARALLEL = 2
AGENT_CONTEXT = 32768  # the context an agent's server takes by default (memory permitting)


def add_parser(commands: Any) -> None:
    launch = commands.add_parser("launch", help="run Claude Code or Codex on your own model")
    launch.add_argument("agent", choices=sorted(AGENTS), help="the coding agent to run")
    launch.add_argument("--model", help="model file, library name, or 'demo' (default: the last one used)")
    launch.add_argument("--port", type=int, default=8080, help="the local server's port (default 8080)")
    launch.add_argument("--api-key", default=os.environ.get("CHATAPP_API_KEY"),
                        help="a key for the server (or set CHATAPP_API_KEY)")
    launch.add_argument("--ctx", type=int, help=f"context size when chatapp serves the model itself (agents' prompts "
                                                f"are long: default {AGENT_CONTEXT:,}, or what memory holds)")
    launch.add_argument("--threads", type=int, help="CPU threads (default: physical cores)")
    launch.add_argument("--print", action="store_true", help="show the settings to use instead of running the agent")
    launch.epilog = "Arguments after -- go to the agent: chatapp launch claude -- -p 'Explain this repo'."


@dataclass(frozen=True)
class Plan:
    """How to run an agent against the server: its command line and environment."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def describe(self) -> str:
        lines = [f"export {k}={shlex.quote(v)}" for k, v in self.env.items()]
        lines.append(shlex.join(self.argv))
        return "\n".join(([f"# {self.note}"] if self.note else []) + lines) + "\n"


def plan(agent: str, base_url: str, model: str, api_key: str | None, extra: list[str]) -> Plan:
    """The agent's command and environment for a server at `base_url` (no /v1) serving `model`."""
    if agent == "claude":
        return Plan(["claude", "--model", model, *extra], {
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_AUTH_TOKEN": api_key or "chatapp",  # sent as Bearer; any value when the server has no key
            "ANTHROPIC_MODEL": model, "ANTHROPIC_SMALL_FAST_MODEL": model,
            # Claude Code's first system block carries a checksum that changes every request; without it the
            # prompt stays the same from turn to turn and the KV cache keeps it.
            "CLAUDE_CODE_ATTRIBUTION_HEADER": "0", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        })
    provider = [f'model_providers.chatapp.{k}={v}' for k, v in (
        ("name", '"chatapp"'), ("base_url", f'"{base_url}/v1"'), ("wire_api", '"responses"'))]
    if api_key:
        provider.append('model_providers.chatapp.env_key="CHATAPP_API_KEY"')
    overrides = ["model_provider=chatapp", f'model="{model}"', 'web_search="disabled"', *provider]
    return Plan(["codex", *(arg for o in overrides for arg in ("-c", o)), *extra],
                {"CHATAPP_API_KEY": api_key} if api_key else {},
                note="Or in $CODEX_HOME/config.toml: model_provider = \"chatapp\" and a [model_providers.chatapp] "
                     "table with these values")


def answers(base_url: str, api_key: str | None) -> bool:
    """Whether a server is answering the API there (any answer but a refused connection counts)."""
    request = urllib.request.Request(base_url + "/v1/models",
                                     headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT_S):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def run(args: argparse.Namespace, paths: AppPaths, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.core.models.library import resolve_model
    from chatapp.core.runtime.router import model_id
    from chatapp.core.storage.settings import load_settings

    command, name, install = AGENTS[args.agent]
    settings = load_settings(paths.settings_file)
    extra_dirs = [Path(f) for f in settings.extra_model_dirs]
    model_path = resolve_model(args.model or settings.last_model or "demo", paths.models_dir, extra_dirs)
    base_url = f"http://127.0.0.1:{args.port}"
    agent = plan(args.agent, base_url, model_id(model_path), args.api_key, list(args.passthrough))
    if args.print:
        stdout.write(agent.describe())
        return 0
    executable = shutil.which(command)
    if executable is None:
        raise KnownError(f"{name} is not installed (no `{command}` on PATH): install it with `{install}`.")
    served = None
    if answers(base_url, args.api_key):
        stderr.write(f"chatapp: using the server already on {base_url}\n")
    else:
        served = _serve(model_path, args, stderr)
    try:
        return subprocess.call([executable, *agent.argv[1:]], env={**os.environ, **agent.env})
    finally:
        if served is not None:
            server, host = served
            server.stop()
            host.shutdown()


def _serve(model_path: Path, args: argparse.Namespace, stderr: TextIO) -> tuple[Any, Any]:
    """The model served on the port for the agent's lifetime (loaded before the agent starts)."""
    from chatapp.core.runtime.model_host import ModelHost
    from chatapp.core.runtime.router import ModelRouter
    from chatapp.server.runner import ApiServer
    from chatapp.server.state import ServerState

    host = ModelHost()
    router = ModelRouter(host)
    try:
        stderr.write(f"chatapp: loading {model_path.name}…\n")
        n_ctx = args.ctx or _agent_context(model_path)
        router.load(model_path, LoadOptions(n_ctx=n_ctx, n_threads=args.threads, parallel=LAUNCH_PARALLEL)).result()
        server = ApiServer(ServerState(router), "127.0.0.1", args.port, args.api_key).start()
    except BaseException:
        host.shutdown()
        raise
    stderr.write(f"chatapp: serving {model_path.stem} on {server.url} while {args.agent} runs\n")
    return server, host


def _agent_context(model_path: Path) -> int:
    """Agents send long prompts (Claude Code's first request is ~20,000 tokens of system prompt and tool
    descriptions; tool results pile up): AGENT_CONTEXT, even past what a small model was trained on (llama.cpp
    reads on, less well), halved while memory would not hold it."""
    from chatapp.core.models import memory
    from chatapp.core.models.gguf_info import read_header

    header = read_header(model_path)
    n_ctx, available = AGENT_CONTEXT, memory.available_memory_bytes()
    while n_ctx > memory.MIN_CONTEXT and memory.required_bytes(header, n_ctx) > available:
        n_ctx //= 2
    return n_ctx
