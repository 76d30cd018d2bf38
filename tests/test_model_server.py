"""The model server: every model in a library folder served by name, on real models (the demo SmolLM2 and
Gemma 3 270M), through real HTTP with the official clients — loaded on request, several at once, the
least recently used unloaded to make room, idle ones unloaded, a damaged file one sentence while the
others keep serving, and the management endpoints (`/api/ps`, `/api/unload`)."""

from __future__ import annotations

import logging
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

from chatapp.core.models.catalog import ModelCatalog
from chatapp.core.runtime.router import ModelRouter, RouterPolicy
from chatapp.core.types import LoadOptions
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

SMOL, GEMMA, BROKEN = "smollm2-135m-instruct-q4_1", "gemma-3-270m-q4_k_m", "broken-model"
OPTIONS = LoadOptions(n_ctx=1024, n_threads=2, parallel=2)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, instruct_model: Path, gemma_model: Path,
            tiny_model: Path) -> Path:
    """A models folder: the two real models (linked, as a user's second folder may be) and a damaged file
    whose header reads but whose weights were cut off."""
    folder = tmp_path_factory.mktemp("library")
    (folder / "SmolLM2-135M-Instruct.Q4_1.gguf").symlink_to(instruct_model)
    (folder / "gemma-3-270m-Q4_K_M.gguf").symlink_to(gemma_model)
    data = tiny_model.read_bytes()
    (folder / "broken-model.gguf").write_bytes(data[: len(data) * 2 // 3])
    (folder / "notes.txt").write_text("not a model")
    return folder


class Served:
    def __init__(self, router: ModelRouter) -> None:
        self.router = router
        self.api = ApiServer(ServerState(router), port=0).start()
        self.url = self.api.url

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url, api_key="unused", max_retries=0, timeout=120)

    def stop(self) -> None:
        self.api.stop()
        self.router.shutdown()


def serve(library: Path, **policy: object) -> Served:
    catalog = ModelCatalog(lambda: [library], aliases=lambda: {"gpt-4o-mini": SMOL})
    return Served(ModelRouter(None, catalog, RouterPolicy(options=OPTIONS, **policy)))  # type: ignore[arg-type]


@pytest.fixture()
def served(library: Path) -> Iterator[Served]:
    s = serve(library, idle_unload=None)
    yield s
    s.stop()


def loads(caplog: pytest.LogCaptureFixture, model: str) -> int:
    return sum(r.getMessage() == f"loading {model} for an API request" for r in caplog.records)


def ask(served: Served, model: str, **extra: object) -> str:
    reply = served.client().chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Name a colour."}], max_tokens=4, temperature=0,
        extra_body=extra or None)
    assert reply.model == model or model not in (SMOL, GEMMA), reply.model
    return reply.choices[0].message.content or ""


def running(served: Served) -> dict[str, dict[str, object]]:
    listing = httpx.get(f"{served.url.removesuffix('/v1')}/api/ps", timeout=30).json()
    return {m["name"]: m for m in listing["models"]}


def test_models_lists_the_library_with_what_a_client_picks_by(served: Served) -> None:
    models = {m["id"]: m for m in httpx.get(f"{served.url}/models", timeout=60).json()["data"]}
    assert set(models) == {SMOL, GEMMA}  # not the damaged file (its weights are gone), not notes.txt
    assert models[GEMMA]["loaded"] is False and models[GEMMA]["max_context_length"] == 32768
    assert models[GEMMA]["context_length"] == 1024  # what a request gets: the server's context
    assert models[SMOL]["architecture"] == "llama" and models[SMOL]["quantization"] == "Q4_1"
    assert "completion" in models[SMOL]["capabilities"] and models[SMOL]["object"] == "model"
    ask(served, SMOL)
    one = served.client().models.retrieve(SMOL)
    assert one.id == SMOL and one.model_extra is not None and one.model_extra["loaded"] is True


def test_requests_alternate_between_two_models_each_loaded_once(served: Served,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "chatapp.core.runtime.router")
    for _ in range(2):
        assert ask(served, SMOL)
        completion = served.client().completions.create(model=GEMMA, prompt="The capital of France is",
                                                        max_tokens=3, temperature=0)
        assert completion.model == GEMMA and completion.choices[0].text
    assert (loads(caplog, SMOL), loads(caplog, GEMMA)) == (1, 1)
    assert set(running(served)) == {SMOL, GEMMA}
    assert ask(served, "SmolLM2-135M-Instruct.Q4_1.gguf") and ask(served, "gpt-4o-mini")  # file name, alias
    assert loads(caplog, SMOL) == 1


def test_an_unknown_model_is_404_naming_some_that_exist_and_never_a_path(served: Served, library: Path) -> None:
    outside = library.parent / "outside.gguf"
    outside.write_bytes((library / "broken-model.gguf").read_bytes())
    for name in ("gpt-5", "../outside", str(outside), "/etc/passwd", "..", "C:\\models\\x.gguf", "smollm2/../x"):
        with pytest.raises(openai.NotFoundError) as raised:
            ask(served, name)
        error = raised.value.body
        assert isinstance(error, dict) and error["code"] == "model_not_found", error
        assert SMOL in error["message"] and GEMMA in error["message"], error
    assert running(served) == {}  # nothing was loaded, nothing opened


def test_a_damaged_model_is_one_sentence_and_the_others_keep_serving(served: Served,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "chatapp.core.runtime.router")
    assert ask(served, SMOL)
    for _ in range(2):
        with pytest.raises(openai.InternalServerError) as raised:
            ask(served, BROKEN)
        error = raised.value.body
        assert isinstance(error, dict) and error["code"] == "model_load_failed", error
        assert error["message"].startswith("broken-model could not be loaded: broken-model.gguf is incomplete"), error
        assert "Traceback" not in error["message"], error
    assert loads(caplog, BROKEN) == 1  # the second request was told without loading it again
    assert ask(served, SMOL) and set(running(served)) == {SMOL}


def test_two_clients_asking_for_a_loading_model_share_one_load(served: Served,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "chatapp.core.runtime.router")
    replies: list[str] = []
    clients = [threading.Thread(target=lambda: replies.append(ask(served, GEMMA))) for _ in range(2)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(180)
    assert len(replies) == 2 and all(replies), replies
    assert loads(caplog, GEMMA) == 1


def test_a_client_hanging_up_during_the_load_does_not_cancel_it(served: Served,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "chatapp.core.runtime.router")
    with pytest.raises(httpx.TimeoutException):
        httpx.post(f"{served.url}/chat/completions", timeout=0.05, json={
            "model": GEMMA, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})
    assert ask(served, GEMMA)
    assert loads(caplog, GEMMA) == 1


def test_max_models_unloads_the_least_recently_used_idle_model(library: Path) -> None:
    served = serve(library, max_models=1, idle_unload=None)
    try:
        ask(served, SMOL)
        ask(served, GEMMA)
        assert set(running(served)) == {GEMMA}
        ask(served, SMOL)
        assert set(running(served)) == {SMOL}
    finally:
        served.stop()


def test_an_idle_model_is_unloaded_and_the_next_request_loads_it_again(library: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "chatapp.core.runtime.router")
    served = serve(library, idle_unload=2.0)
    try:
        ask(served, SMOL)
        listed = running(served)[SMOL]
        assert listed["owner"] == "api" and listed["expires_at"] is not None and listed["size"] > 50_000_000
        deadline = time.monotonic() + 30
        while running(served):
            assert time.monotonic() < deadline, "the idle model was not unloaded"
            time.sleep(0.2)
        assert ask(served, SMOL) and loads(caplog, SMOL) == 2
    finally:
        served.stop()


def test_keep_alive_and_ttl_set_how_long_a_model_stays(served: Served) -> None:
    ask(served, SMOL, keep_alive=-1)  # Ollama: forever
    assert running(served)[SMOL]["expires_at"] is None
    ask(served, SMOL, ttl=3600)  # LM Studio: seconds
    assert running(served)[SMOL]["expires_at"] is not None
    ask(served, SMOL, keep_alive=0)  # Ollama: unload as soon as this answer is done
    deadline = time.monotonic() + 10
    while SMOL in running(served):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    with pytest.raises(openai.BadRequestError, match="keep_alive"):
        ask(served, SMOL, keep_alive="soon")


def test_unload_endpoint(served: Served) -> None:
    base = served.url.removesuffix("/v1")
    ask(served, SMOL)
    assert httpx.post(f"{base}/api/unload", json={"model": "gpt-4o-mini"}, timeout=30).json() == {
        "model": SMOL, "unloaded": True}
    deadline = time.monotonic() + 10
    while SMOL in running(served):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    missing = httpx.post(f"{base}/api/unload", json={"model": SMOL}, timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"
    assert httpx.post(f"{base}/api/unload", json={}, timeout=30).status_code == 400


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the server's RSS from /proc")
def test_chatapp_serve_without_a_model_serves_the_library_and_returns_memory(library: Path,
                                                                             tmp_path: Path) -> None:
    """`chatapp serve` with no --model and --max-models 1: each request loads its model, the other is
    unloaded, and its memory is given back to the system (the process's resident size drops)."""
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    for model in library.iterdir():
        (data / "models" / model.name).symlink_to(model.resolve())
    env = {**os.environ, "CHATAPP_DATA_DIR": str(data), "CHATAPP_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--port", "0", "--ctx", "2048",
                             "--max-models", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Serving 3 models on request on http://127.0.0.1:"), (first, proc.stderr.read())
        assert {SMOL, GEMMA, BROKEN} <= set(proc.stdout.readline().removeprefix("Models: ").strip().split(", "))
        url = first.rsplit(" on ", 1)[1].strip()
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=120)
        idle = _rss(proc.pid)

        def complete(model: str) -> None:
            reply = client.completions.create(model=model, prompt="Once upon a time", max_tokens=2)
            assert reply.model == model and reply.choices[0].text

        complete(GEMMA)
        with_gemma = _rss(proc.pid)
        complete(SMOL)
        ps = httpx.get(url.removesuffix("/v1") + "/api/ps", timeout=30).json()["models"]
        assert [m["name"] for m in ps] == [SMOL]
        with_smol = _rss(proc.pid)
        assert httpx.post(url.removesuffix("/v1") + "/api/unload", json={"model": SMOL}, timeout=30).is_success
        deadline = time.monotonic() + 10
        while httpx.get(url.removesuffix("/v1") + "/api/ps", timeout=30).json()["models"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        unloaded = _rss(proc.pid)
        mib = 2**20
        print(f"RSS MiB: idle {idle / mib:.0f}, Gemma {with_gemma / mib:.0f}, SmolLM2 (Gemma unloaded) "
              f"{with_smol / mib:.0f}, none {unloaded / mib:.0f}")
        assert with_gemma - idle > 150 * mib  # Gemma's weights and cache are resident...
        assert with_smol < with_gemma - 60 * mib  # ...and given back when SmolLM2 takes its place
        assert unloaded < with_smol - 60 * mib
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_an_alias_names_a_library_model_for_clients_that_hard_code_one(tiny_model: Path, isolated_dirs: Path) -> None:
    """`chatapp models alias NAME MODEL` keeps the alias in the settings; a server started afterwards (or
    running: the catalog reads the settings on each scan) answers requests naming it."""
    from chatapp.core.storage.paths import default_paths
    from chatapp.server.library import library_catalog

    models = isolated_dirs / "data" / "models"
    models.mkdir(parents=True)
    (models / "My-Tiny.Q8_0.gguf").symlink_to(tiny_model)

    def chatapp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "chatapp", "models", *args], capture_output=True, text=True,
                              timeout=60)

    listed = chatapp()
    assert "API: my-tiny-q8_0" in listed.stdout, listed.stderr
    added = chatapp("alias", "gpt-4o-mini", "my-tiny-q8_0")
    assert (added.returncode, added.stdout) == (0, "gpt-4o-mini -> my-tiny-q8_0\n"), added.stderr
    unknown = chatapp("alias", "claude", "no-such-model")
    assert unknown.returncode == 1 and "There is no model 'no-such-model' in the library" in unknown.stderr
    taken = chatapp("alias", "My-Tiny.Q8_0", "my-tiny-q8_0")
    assert taken.returncode == 1 and "already names a model" in taken.stderr
    catalog = library_catalog(default_paths())
    found = catalog.find("GPT-4o-mini")
    assert found is not None and found.id == "my-tiny-q8_0"
    router = ModelRouter(None, catalog, RouterPolicy(options=LoadOptions(n_ctx=256, n_threads=2)))
    served = Served(router)
    try:
        reply = served.client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], max_tokens=3)
        assert reply.model == "my-tiny-q8_0" and reply.choices[0].message.content == " Hello world."
    finally:
        served.stop()
    removed = chatapp("alias", "--remove", "gpt-4o-mini")
    assert removed.stdout == "No aliases. Add one: chatapp models alias NAME MODEL.\n"
    assert library_catalog(default_paths()).find("gpt-4o-mini") is None


def test_the_systemd_user_unit_runs_a_command_chatapp_accepts() -> None:
    """packaging/linux/chatapp-serve.service (the headless server): a valid unit whose ExecStart is a
    `chatapp serve` this version parses, serving the library (no --model)."""
    import configparser
    import shlex

    from chatapp.cli import build_parser

    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(Path(__file__).resolve().parent.parent / "packaging" / "linux" / "chatapp-serve.service")
    assert unit["Install"]["WantedBy"] == "default.target" and unit["Service"]["Restart"] == "on-failure"
    program, *args = shlex.split(unit["Service"]["ExecStart"])
    assert program == "/usr/bin/chatapp"
    parsed = build_parser().parse_args(args)
    assert parsed.command == "serve" and parsed.model is None and parsed.idle_unload == 900


def test_a_draft_model_that_cannot_draft_for_a_library_model_does_not_keep_it_from_loading(
        library: Path, tmp_path: Path, instruct_model: Path) -> None:
    """`chatapp serve --model demo --speculative draft --draft-model SmolLM2`: Gemma (another vocabulary)
    still loads on request, drafting from the prompt instead, and says so in the log."""
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    (data / "models" / "gemma-3-270m-Q4_K_M.gguf").symlink_to((library / "gemma-3-270m-Q4_K_M.gguf").resolve())
    env = {**os.environ, "CHATAPP_DATA_DIR": str(data), "CHATAPP_CONFIG_DIR": str(tmp_path / "config")}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--port", "0", "--ctx", "1024", "--model",
                             "demo", "--speculative", "draft", "--draft-model", str(instruct_model)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith(f"Serving {SMOL} on http://127.0.0.1:"), (first, proc.stderr.read())
        client = openai.OpenAI(base_url=first.rsplit(" on ", 1)[1].strip(), api_key="unused", max_retries=0,
                               timeout=120)
        for model in (GEMMA, SMOL):
            reply = client.completions.create(model=model, prompt="The capital of France is", max_tokens=3)
            assert reply.model == model and reply.choices[0].text
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert "drafts from the prompt instead" in (data / "logs" / "chatapp.log").read_text()
