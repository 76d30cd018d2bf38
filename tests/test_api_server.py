"""The OpenAI-compatible API, tried with the official `openai` client: `chatapp serve` on Gemma 3 270M
as a real process, and the server in-process on the tiny models for errors and limits."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import openai
import pytest
from local_ports import free_port
from real_models import gemma_path

from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.types import LoadOptions
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

GEMMA = "gemma-3-270m-q4_k_m"  # the served model's id


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str, log_file: Path) -> None:
        self.proc, self.url, self.log_file = proc, url, log_file

    def client(self, **kwargs: object) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url, api_key=kwargs.pop("api_key", "unused"), max_retries=0,
                             timeout=120, **kwargs)  # type: ignore[arg-type]


def start_serve(data_dir: Path, *args: str) -> Served:
    env = {**os.environ, "CHATAPP_DATA_DIR": str(data_dir), "CHATAPP_CONFIG_DIR": str(data_dir / "config")}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(gemma_path()), "--port", "0",
                             "--ctx", "2048", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("Serving gemma-3-270m-q4_k_m on http://127.0.0.1:"), (line, proc.stderr.read())
    return Served(proc, line.split(" on ")[1].strip(), data_dir / "logs" / "chatapp.log")


def stop_serve(served: Served) -> str:
    served.proc.terminate()
    _, err = served.proc.communicate(timeout=30)
    assert served.proc.returncode == 0, err
    assert "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = start_serve(tmp_path_factory.mktemp("serve"))
    yield s
    stop_serve(s)


def test_a_request_sent_as_soon_as_the_port_opens_waits_for_the_model(tmp_path: Path) -> None:
    """`chatapp serve` listens while the model loads; a request then waits behind the load and is
    answered, where llama-server answers 503 until it has loaded and clients must poll."""
    import socket

    port = free_port()
    env = {**os.environ, "CHATAPP_DATA_DIR": str(tmp_path), "CHATAPP_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(gemma_path()), "--port",
                             str(port), "--ctx", "2048"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0, timeout=120)
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.01)
        reply = client.completions.create(model=GEMMA, prompt="The capital of France is", max_tokens=4,
                                          temperature=0)
        assert reply.usage is not None and reply.usage.completion_tokens >= 1 and reply.choices[0].text
        assert proc.stdout is not None and proc.stdout.readline().startswith("Serving gemma-3-270m-q4_k_m on")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_models_lists_the_loaded_model_first_then_the_library(served: Served) -> None:
    models = served.client().models.list().data
    assert models[0].id == "gemma-3-270m-q4_k_m" and models[0].model_extra is not None
    assert models[0].model_extra["loaded"] is True and models[0].model_extra["context_length"] == 2048
    assert [m.id for m in models[1:]] == ["smollm2-135m-instruct-q4_1"]  # the demo: the library is empty


def test_chat_completion_with_usage(served: Served) -> None:
    reply = served.client().chat.completions.create(
        model=GEMMA, messages=[{"role": "system", "content": "Be brief."},
                                               {"role": "user", "content": "The sea is"}], max_tokens=12, seed=3)
    choice = reply.choices[0]
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert reply.usage.completion_tokens <= 12 and reply.usage.prompt_tokens > 3
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_streamed_chat_ends_with_usage(served: Served) -> None:
    chunks = list(served.client().chat.completions.create(
        model=GEMMA, messages=[{"role": "user", "content": [{"type": "text", "text": "Once upon a time"}]}],
        max_tokens=8, stream=True, stream_options={"include_usage": True}, temperature=0))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["length"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 8


def test_max_tokens_gives_length_and_stop_ends_early(served: Served) -> None:
    client = served.client()
    ask = {"model": GEMMA, "messages": [{"role": "user", "content": "List the days of the week."}], "temperature": 0}
    full = client.chat.completions.create(max_completion_tokens=24, **ask)
    assert full.choices[0].finish_reason == "length" and full.usage.completion_tokens == 24
    text = full.choices[0].message.content
    words = text.split()
    stop = words[len(words) // 2]
    cut = client.chat.completions.create(max_tokens=24, stop=[stop], **ask)
    assert cut.choices[0].finish_reason == "stop"
    assert cut.choices[0].message.content == text[: text.index(stop)]


def test_completions_raw_prompt_and_streaming(served: Served) -> None:
    client = served.client()
    done = client.completions.create(model=GEMMA, prompt="The capital of France is", max_tokens=5, temperature=0)
    assert done.choices[0].text and done.usage.completion_tokens <= 5
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model=GEMMA, prompt="The capital of France is", max_tokens=5, temperature=0, stream=True) if c.choices)
    assert streamed == done.choices[0].text  # greedy: the same text streamed or not


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"temperature": 5}, "temperature must be between 0 and 2"),
        ({"top_p": 1.5}, "top-p must be between 0 and 1"),
        ({"n": 20}, "n must be a whole number from 1 to 8"),
        ({"messages": []}, "messages must be a non-empty list"),
        ({"messages": [{"role": "user", "content": "   "}]}, "The last message is empty"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "role must be system, user, assistant or tool"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop must be a string or a list of up to 4"),
        ({"logit_bias": {"1": 500}}, "must be a token id with a number from -100 to 100"),
        ({"functions": [{"name": "f"}]}, "functions is not supported"),
    ],
)
def test_bad_parameters_are_400_with_the_windows_sentences(served: Served, extra: dict, message: str) -> None:
    body = {"model": GEMMA, "messages": [{"role": "user", "content": "hi"}], **extra}
    with pytest.raises(openai.BadRequestError) as err:
        served.client().chat.completions.create(**body)
    assert err.value.status_code == 400
    assert message in err.value.message


def test_unknown_route_is_a_404_in_openais_shape(served: Served) -> None:
    response = httpx.get(served.url + "/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("Unknown endpoint")


def test_a_client_that_hangs_up_cancels_its_generation(served: Served) -> None:
    with httpx.Client(timeout=60) as http, http.stream("POST", served.url + "/chat/completions", json={
        "model": GEMMA, "messages": [{"role": "user", "content": "Write a very long story."}],
        "max_tokens": 1500, "stream": True, "temperature": 1, "seed": 5,
    }) as response:
        lines = response.iter_lines()
        received = sum(1 for _, line in zip(range(6), lines, strict=False) if line.startswith("data:"))
    assert received >= 3  # connection closed here, mid-stream
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = next((x for x in served.log_file.read_text().splitlines() if "client went away after" in x), "")
        if line:
            break
        time.sleep(0.1)
    assert line, "the generation was not cancelled"
    assert int(line.split("after ")[1].split()[0]) < 1500  # stopped long before its max_tokens


def test_four_clients_at_once_are_all_served(served: Served) -> None:
    results: list[str] = []
    errors: list[Exception] = []

    def ask(i: int) -> None:
        try:
            reply = served.client().chat.completions.create(
                model=GEMMA, messages=[{"role": "user", "content": f"Count to {i + 3}."}], max_tokens=6)
            results.append(reply.choices[0].message.content)
        except openai.OpenAIError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 4 and all(results)


def test_an_api_key_is_required_when_set(tmp_path: Path) -> None:
    served = start_serve(tmp_path, "--api-key", "s3cret")
    try:
        with pytest.raises(openai.AuthenticationError) as err:
            served.client(api_key="wrong").models.list()
        assert err.value.status_code == 401 and "API key" in err.value.message
        assert httpx.get(served.url + "/models").status_code == 401  # no key at all
        assert served.client(api_key="s3cret").models.list().data[0].id == "gemma-3-270m-q4_k_m"
    finally:
        stop_serve(served)


# ----- in-process, on the tiny models ------------------------------------------------------------------
@pytest.fixture
def host() -> Iterator[ModelHost]:
    h = ModelHost()
    yield h
    h.shutdown()


def in_process(host: ModelHost, name: str | None) -> ApiServer:
    return ApiServer(ServerState(ModelRouter(host)), port=0).start()


def test_no_model_loaded_is_503(host: ModelHost) -> None:
    server = in_process(host, None)
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
        with pytest.raises(openai.InternalServerError) as err:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert err.value.status_code == 503 and "No model is loaded" in err.value.message
        assert client.models.list().data == []
    finally:
        server.stop()


def test_context_overflow_is_400_context_length_exceeded(host: ModelHost, tiny_model: Path) -> None:
    host.call(lambda engine: engine.load(tiny_model, LoadOptions(n_ctx=256)))
    server = in_process(host, "tiny")
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
        with pytest.raises(openai.BadRequestError) as err:
            client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "x" * 400}])
        assert err.value.code == "context_length_exceeded"
        assert "too long for this model's context" in err.value.message
        ok = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=3)
        assert ok.choices[0].message.content == " Hello world."
    finally:
        server.stop()


def test_ignore_eos_is_honoured_or_refused(host: ModelHost, tiny_eos_model: Path) -> None:
    """llama.cpp's `ignore_eos` (what benchmark clients send for replies of an exact length) is honoured, and a
    value that is not a boolean is a 400 naming it, never silently ignored."""
    host.call(lambda engine: engine.load(tiny_eos_model))
    server = in_process(host, "tiny")
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
        ended = client.completions.create(model="tiny-eos", prompt="hi", max_tokens=10)
        assert ended.usage.completion_tokens == 4 and ended.choices[0].finish_reason == "stop"
        forced = client.chat.completions.create(model="tiny-eos", messages=[{"role": "user", "content": "hi"}],
                                                max_tokens=10, extra_body={"ignore_eos": True})
        assert forced.usage.completion_tokens == 10 and forced.choices[0].finish_reason == "length"
        with pytest.raises(openai.BadRequestError, match="ignore_eos must be true or false"):
            client.completions.create(model="tiny-eos", prompt="hi", extra_body={"ignore_eos": "yes"})
    finally:
        server.stop()


def test_a_port_in_use_is_one_sentence(host: ModelHost) -> None:
    from chatapp.core.errors import KnownError

    first = in_process(host, "x")
    try:
        with pytest.raises(KnownError, match=rf"Port {first.port} on 127.0.0.1 is already in use"):
            ApiServer(ServerState(ModelRouter(host)), port=first.port)
    finally:
        first.stop()


def test_embeddings_without_an_embedding_model_are_a_404_that_says_how(host: ModelHost) -> None:
    server = in_process(host, "x")
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
        with pytest.raises(openai.NotFoundError) as err:
            client.embeddings.create(model="m", input="hello")
        assert "--embedding-model" in err.value.message
    finally:
        server.stop()


def test_embeddings_with_the_official_client_match_the_engine(host: ModelHost, embedding_model: Path) -> None:
    """The client asks for base64 by default; both encodings give the engine's own unit vectors."""
    import numpy as np

    from chatapp.documents.embedder import Embedder

    embedder = Embedder(embedding_model)
    server = ApiServer(ServerState(ModelRouter(host), embedder=embedder), port=0).start()
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
        assert [m.id for m in client.models.list().data] == ["all-MiniLM-L6-v2.F32"]
        texts = ["A man is playing a guitar.", "Someone plays an instrument.", "显存不够"]
        got = client.embeddings.create(model="all-MiniLM-L6-v2.F32", input=texts)
        vectors = np.array([d.embedding for d in got.data])
        assert vectors.shape == (3, 384) and got.usage.prompt_tokens > 10
        assert np.allclose(vectors, embedder.embed_documents(texts), atol=1e-6)
        as_floats = client.embeddings.create(model="m", input="A man is playing a guitar.", encoding_format="float")
        assert np.allclose(as_floats.data[0].embedding, vectors[0], atol=1e-6)
        with pytest.raises(openai.BadRequestError) as err:
            client.embeddings.create(model="m", input="word " * 600)
        assert err.value.code == "context_length_exceeded" and "at most 512" in err.value.message
        with pytest.raises(openai.BadRequestError, match="input must be a string"):
            client.embeddings.create(model="m", input=[])
    finally:
        server.stop()
        embedder.close()
