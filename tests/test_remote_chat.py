"""`chatapp chat --server`: a model on another OpenAI-compatible server, tried against real servers on
loopback: llama-cpp-python's own server (an independent implementation) and `chatapp serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fake_hub import FakeHub
from local_ports import free_port
from near_ties import agree_up_to_a_near_tie
from real_models import gemma_path
from test_api_server import start_serve, stop_serve
from test_cli import run_chatapp

from chatapp.core.runtime.engine import Engine
from chatapp.core.storage.history import HistoryStore
from chatapp.core.types import LoadOptions, Message


class Peer:
    def __init__(self, url: str, proc: subprocess.Popen[bytes]) -> None:
        self.url, self.proc = url, proc


def start_llama_cpp_server(model: Path, *extra: str) -> Peer:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("llama_cpp_peer.py")), "--model", str(model),
         "--model_alias", "smollm2", "--chat_format", "chatml", "--n_ctx", "1024", "--host", "127.0.0.1",
         "--port", str(port), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url + "/models", timeout=1).status_code in (200, 401):
                return Peer(url, proc)
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("llama_cpp.server did not start")


@pytest.fixture(scope="module")
def peer(instruct_model: Path) -> Iterator[Peer]:
    p = start_llama_cpp_server(instruct_model)
    yield p
    p.proc.terminate()
    p.proc.wait(30)


def test_chat_with_a_model_on_llama_cpp_server(peer: Peer, isolated_dirs: Path) -> None:
    run = run_chatapp("chat", "--server", peer.url, "--model", "smollm2", "--prompt", "Name a colour.",
                      "--max-tokens", "8", "--stats", "--seed", "4")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip()
    stats = json.loads(run.stderr.strip().splitlines()[-1])
    # llama_cpp.server reports no usage when streaming: pieces are counted, the prompt size is unknown
    assert 0 < stats["completion_tokens"] <= 8 and stats["prompt_tokens"] == 0
    assert stats["tokens_per_s"] >= 0 and stats["ttft_s"] > 0
    store = HistoryStore(isolated_dirs / "data" / "history.sqlite3")
    conv = store.conversations()[0]
    reply = store.active_path(conv.id)[-1]
    assert reply.model == conv.model == f"smollm2 @ {peer.url.split('//')[1].split('/')[0]}"  # who answered
    assert reply.content == run.stdout.strip("\n")
    store.close()


def test_multi_turn_over_the_server(peer: Peer, isolated_dirs: Path) -> None:
    run = run_chatapp("chat", "--server", peer.url.removesuffix("/v1"), "--model", "smollm2",  # no /v1: added
                      "--max-tokens", "4", stdin="Hello.\nAnd again.\n")
    assert run.returncode == 0, run.stderr
    store = HistoryStore(isolated_dirs / "data" / "history.sqlite3")
    path = store.active_path(store.conversations()[0].id)
    assert [m.role for m in path] == ["user", "assistant", "user", "assistant"]
    assert [m.content for m in path[::2]] == ["Hello.", "And again."]
    # each reply is printed whole, in turn, ending its line (a reply may itself hold line breaks)
    assert run.stdout == "".join(m.content + "\n" for m in path[1::2])
    store.close()


def test_usage_comes_from_a_server_that_reports_it(tmp_path: Path) -> None:
    served = start_serve(tmp_path / "server-side")
    try:
        turns = run_chatapp("chat", "--server", served.url, "--model", "gemma-3-270m-q4_k_m", "--max-tokens", "3",
                            "--stats", stdin="Hello.\nAnd again.\n")
        assert turns.returncode == 0, turns.stderr
        first, second = (json.loads(line) for line in turns.stderr.strip().splitlines()[-2:])
        assert second["prompt_tokens"] > first["prompt_tokens"] > 0  # the second turn carried the first
    finally:
        stop_serve(served)


def test_an_unknown_model_lists_what_the_server_has(peer: Peer) -> None:
    run = run_chatapp("chat", "--server", peer.url, "--model", "gpt-17", "--prompt", "hi")
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "has no model named 'gpt-17'" in run.stderr and "smollm2" in run.stderr


def test_an_unreachable_server_is_one_line() -> None:
    run = run_chatapp("chat", "--server", f"http://127.0.0.1:{free_port()}/v1", "--model", "m", "--prompt", "hi")
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "Cannot reach the server" in run.stderr


def test_a_refused_key_is_one_line(instruct_model: Path) -> None:
    guarded = start_llama_cpp_server(instruct_model, "--api_key", "right")
    try:
        run = run_chatapp("chat", "--server", guarded.url, "--api-key", "wrong", "--model", "smollm2",
                          "--prompt", "hi")
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert "refused the API key" in run.stderr and run.stderr.count("\n") == 1
        ok = run_chatapp("chat", "--server", guarded.url, "--model", "smollm2", "--prompt", "hi",
                         "--max-tokens", "2", env_extra={"CHATAPP_REMOTE_API_KEY": "right"})
        assert ok.returncode == 0, ok.stderr
    finally:
        guarded.proc.terminate()
        guarded.proc.wait(30)


def test_a_server_that_speaks_something_else(hub: FakeHub) -> None:
    run = run_chatapp("chat", "--server", hub.url + "/v1", "--model", "m", "--prompt", "hi")
    assert run.returncode == 1 and "Traceback" not in run.stderr and run.stderr.count("\n") == 1
    assert "OpenAI-compatible" in run.stderr or "not the OpenAI API" in run.stderr


def test_chat_through_chatapp_serve_itself(tmp_path: Path) -> None:
    served = start_serve(tmp_path / "server-side")
    try:
        run = run_chatapp("chat", "--server", served.url, "--model", "gemma-3-270m-q4_k_m", "--prompt",
                          "The sea is", "--max-tokens", "6", "--stats", "--temperature", "0")
        assert run.returncode == 0, run.stderr
        stats = json.loads(run.stderr.strip().splitlines()[-1])
        assert stats["completion_tokens"] == 6 and stats["finish_reason"] == "length"
        local = run_chatapp("chat", "--model", str(gemma_path()), "--prompt", "The sea is", "--max-tokens", "6",
                            "--temperature", "0", "--no-history")
        assert local.returncode == 0, local.stderr
        # Greedy, same settings, same template: the same words, local or served, up to a near-tie (the server
        # reads and decodes in batches of its parallel sequences; tests/near_ties.py).
        engine = Engine()
        engine.load(gemma_path(), LoadOptions(n_ctx=2048))
        prompt = engine.prepare([Message("user", "The sea is")], 6).tokens
        agree_up_to_a_near_tie(engine, prompt, [run.stdout.removesuffix("\n"), local.stdout.removesuffix("\n")], 6)
        engine.unload()
    finally:
        stop_serve(served)


def test_show_prompt_shows_the_messages_sent() -> None:
    run = run_chatapp("chat", "--server", "http://127.0.0.1:9/v1", "--model", "m", "--system", "Be brief.",
                      "--prompt", "你好", "--show-prompt")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "你好"}]


def test_keys_never_land_in_settings(peer: Peer, isolated_dirs: Path) -> None:
    run_chatapp("chat", "--server", peer.url, "--api-key", "very-secret", "--model", "smollm2", "--prompt", "hi",
                "--max-tokens", "1")
    for path in (isolated_dirs / "config").rglob("*"):
        if path.is_file():
            assert "very-secret" not in path.read_text(errors="replace")
    assert os.environ.get("CHATAPP_REMOTE_API_KEY") is None
