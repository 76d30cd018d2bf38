"""What a web page (or any hostile client) can send the local API server is refused before it costs
anything: a foreign Host header (DNS rebinding), a cross-site text/plain POST, an oversized body,
oversized inputs. Each is answered *while the model is busy with another client's long reply*, which
proves it never queued for the model thread; the server answers normally afterwards."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import openai
import pytest

from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.types import LoadOptions
from chatapp.server import limits
from chatapp.server.guard import HostPolicy, host_name
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

CHAT = {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3}


class Busy:
    """A server whose model is streaming a long reply to one client while the test sends others."""

    def __init__(self, server: ApiServer) -> None:
        self.server, self.url = server, server.url
        self.tokens = 0
        self.finished = threading.Event()
        self.started = threading.Event()
        self._thread = threading.Thread(target=self._stream, daemon=True)
        self._thread.start()
        assert self.started.wait(60)

    def _stream(self) -> None:
        client = openai.OpenAI(base_url=self.url, api_key="x", max_retries=0, timeout=300)
        stream = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "go"}],
                                                max_tokens=100_000, stream=True)
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                self.tokens += 1
                self.started.set()
            if self.finished.is_set():
                break
        stream.close()

    def still_generating(self) -> bool:
        seen = self.tokens
        # The long reply is still running: more tokens keep arriving after the refused request was answered.
        for _ in range(200):
            if self.tokens > seen:
                return True
            threading.Event().wait(0.05)
        return False

    def stop(self) -> None:
        self.finished.set()
        self._thread.join(30)


@pytest.fixture
def busy(tiny_long_model: Path) -> Iterator[Busy]:
    host = ModelHost()
    host.call(lambda engine: engine.load(tiny_long_model, LoadOptions(n_ctx=4096)))
    server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    b = Busy(server)
    yield b
    b.stop()
    server.stop()
    host.shutdown()


def post(url: str, body: bytes | str, **headers: str) -> httpx.Response:
    return httpx.post(url + "/chat/completions", content=body, headers=headers, timeout=60)


def _content_length(head: str) -> int:
    return next((int(line.split(":", 1)[1]) for line in head.split("\r\n")
                 if line.lower().startswith("content-length:")), 0)


def error_of(response: httpx.Response) -> dict:
    return response.json()["error"]


def test_refused_at_the_door_while_the_model_is_busy(busy: Busy) -> None:
    body = json.dumps(CHAT)
    port = busy.server.port

    rebinding = post(busy.url, body, **{"Host": f"evil.example:{port}", "Content-Type": "application/json"})
    assert rebinding.status_code == 403 and error_of(rebinding)["code"] == "host_not_allowed"
    assert "--allowed-host evil.example" in error_of(rebinding)["message"]
    assert busy.still_generating()

    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        simple = post(busy.url, body, **{"Content-Type": kind})
        assert simple.status_code == 415, kind
        assert error_of(simple)["message"] == "Request bodies must be JSON: send 'Content-Type: application/json'."
    assert post(busy.url, body).status_code == 415  # no Content-Type at all
    assert busy.still_generating()

    # Content-Length over the limit: answered from the headers, before a byte of the body is sent.
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     "Content-Type: application/json\r\n"
                     f"Content-Length: {limits.DEFAULT_MAX_BODY + 1}\r\n\r\n".encode())
        head = sock.recv(65536).decode("latin-1")
        while "\r\n\r\n" not in head or len(head.split("\r\n\r\n", 1)[1]) < _content_length(head):
            more = sock.recv(65536).decode("latin-1")  # the body may come in a packet of its own
            if not more:
                break
            head += more
    assert head.startswith("HTTP/1.1 413"), head
    assert "over 8,388,608 bytes" in head

    # A chunked body (no Content-Length) is counted as it arrives.
    def chunks() -> Iterator[bytes]:
        yield b'{"model": "tiny", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"x" * 1024 * 1024

    chunked = httpx.post(busy.url + "/chat/completions", content=chunks(),
                         headers={"Content-Type": "application/json"}, timeout=60)
    assert chunked.status_code == 413 and error_of(chunked)["code"] == "request_too_large"
    assert busy.still_generating()


def test_loopback_names_are_answered(busy: Busy) -> None:
    port = busy.server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST.", f"127.0.0.2:{port}"):
        response = httpx.get(busy.url + "/models", headers={"Host": host}, timeout=30)
        assert response.status_code == 200, host


def test_oversized_inputs_are_context_length_exceeded_without_the_model(busy: Busy) -> None:
    client = openai.OpenAI(base_url=busy.url, api_key="x", max_retries=0, timeout=60)
    too_long = "x" * (4096 * limits.CHARS_PER_TOKEN_BOUND + 1)  # more characters than 4096 tokens can hold
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": too_long}])
    assert err.value.code == "context_length_exceeded"
    assert "524,289 characters: more than a model with a context of 4,096 tokens can read" in err.value.message

    many = [{"role": "user", "content": "a"}] * (limits.MAX_MESSAGES + 1)
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="tiny", messages=many)  # type: ignore[arg-type]
    assert "at most 10,000" in err.value.message

    tools = [{"type": "function", "function": {"name": f"t{i}"}} for i in range(limits.MAX_TOOLS + 1)]
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                       tools=tools)  # type: ignore[arg-type]
    assert "at most 128" in err.value.message

    with pytest.raises(openai.BadRequestError) as err:
        client.completions.create(model="tiny", prompt=too_long)
    assert err.value.code == "context_length_exceeded"
    assert busy.still_generating()


def test_the_server_still_answers_after_all_that(busy: Busy) -> None:
    post(busy.url, "{}", **{"Host": "evil.example"})
    post(busy.url, "x" * 100, **{"Content-Type": "text/plain"})
    busy.stop()  # let the long reply go, so the model is free
    client = openai.OpenAI(base_url=busy.url, api_key="x", max_retries=0, timeout=60)
    reply = client.chat.completions.create(**CHAT)  # type: ignore[call-overload]
    assert reply.choices[0].message.content.startswith(" Hello")


def test_an_unexpected_failure_is_500_without_the_exception_text(tiny_model: Path, monkeypatch) -> None:
    """A bug must not hand a client the exception's text (paths, the prompt): the log has it."""
    from chatapp.core.runtime.engine import Engine

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret detail /home/someone/private")

    host = ModelHost()
    host.call(lambda engine: engine.load(tiny_model, LoadOptions(n_ctx=256)))
    monkeypatch.setattr(Engine, "generate", broken)  # a fault no request can cause: a bug in the engine
    server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    try:
        for stream in (False, True):
            response = httpx.post(server.url + "/chat/completions", json={**CHAT, "stream": stream}, timeout=30)
            assert response.status_code == 500
            assert "secret" not in response.text and "private" not in response.text
            assert error_of(response)["message"] == "Generation failed unexpectedly; the server's log has the details."
    finally:
        server.stop()
        host.shutdown()


def test_embeddings_inputs_are_limited(embedding_model: Path) -> None:
    from chatapp.documents.embedder import Embedder

    host = ModelHost()
    server = ApiServer(ServerState(ModelRouter(host), embedder=Embedder(embedding_model, 2)), port=0).start()
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=60)
        with pytest.raises(openai.BadRequestError) as err:
            client.embeddings.create(model="e", input=["a"] * (limits.MAX_EMBEDDING_INPUTS + 1))
        assert "at most 2048 per request" in err.value.message
        with pytest.raises(openai.BadRequestError) as err:
            client.embeddings.create(model="e", input=["ok", "x" * 512 * limits.CHARS_PER_TOKEN_BOUND + "x"])
        assert err.value.code == "context_length_exceeded" and "input[1]" in err.value.message
        with pytest.raises(openai.BadRequestError) as err:
            client.embeddings.create(model="e", input="word " * 600)  # counted exactly: over 512 tokens
        assert err.value.code == "context_length_exceeded"
        assert "the embedding model takes at most 512" in err.value.message
        assert len(client.embeddings.create(model="e", input="still answering").data[0].embedding) == 384
    finally:
        server.stop()
        host.shutdown()


# ----- which Host headers are answered ---------------------------------------------------------------------
def test_host_policy() -> None:
    loopback = HostPolicy.for_address("127.0.0.1")
    assert loopback.allows("127.0.0.1:8080") and loopback.allows("localhost") and loopback.allows("[::1]:80")
    assert not loopback.allows("evil.example") and not loopback.allows("")
    assert not loopback.allows("localhost.evil.example")
    everywhere = HostPolicy.for_address("0.0.0.0")
    assert everywhere.allows("192.168.1.20:8080") and everywhere.allows(f"{socket.gethostname()}:8080")
    assert not everywhere.allows("evil.example")
    named = HostPolicy.for_address("127.0.0.1", ["chat.home.arpa"])
    assert named.allows("Chat.Home.Arpa:8080") and not named.allows("other.home.arpa")
    assert HostPolicy.for_address("127.0.0.1", ["*"]).allows("anything.example")
    assert host_name("[::1]:8080") == "::1" and host_name("Example.COM.:80") == "example.com"


# ----- chatapp serve's exposure rules -------------------------------------------------------------------------
def serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"CHATAPP_DATA_DIR": str(tmp_path), "CHATAPP_CONFIG_DIR": str(tmp_path / "config"), "PATH": ""}
    return subprocess.run([sys.executable, "-m", "chatapp", "serve", "--model", "no-such-model.gguf", *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_listening_beyond_loopback_without_a_key_needs_no_api_key(tmp_path: Path) -> None:
    refused = serve(tmp_path, "--host", "0.0.0.0")
    assert refused.returncode == 1
    assert "Listening on 0.0.0.0 lets anyone who can reach this computer use the model: set --api-key KEY" \
           in refused.stderr
    # With --no-api-key it goes on (to fail on the missing model), warning in one line.
    allowed = serve(tmp_path, "--host", "0.0.0.0", "--no-api-key")
    assert "warning: listening on 0.0.0.0 without an API key" in allowed.stderr
    assert "Listening on 0.0.0.0 lets" not in allowed.stderr


def test_risky_choices_are_warned_about(tmp_path: Path) -> None:
    result = serve(tmp_path, "--cors-origin", "*", "--allowed-host", "*")
    assert "warning: --cors-origin '*' lets every web page you visit use the model" in result.stderr
    assert "warning: --allowed-host '*' answers requests addressed to any name" in result.stderr
    assert "Traceback" not in result.stderr
