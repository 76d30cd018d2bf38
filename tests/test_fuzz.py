"""Every input surface, fuzzed within a bounded budget (hypothesis, derandomized so CI is repeatable):
what comes from outside gets a clear answer or one sentence, never a crash, a hang or a 500.

- OpenAI request shapes against a real server on a real (tiny) model;
- settings files, any bytes;
- history import JSON, a real export with parts replaced by anything;
- documents: flipped bytes in real PDFs and Word files, a zip bomb, PDFs whose references loop;
- GGUF headers with flipped bytes.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_documents import write_docx, write_pdf

from chatapp.core.errors import KnownError, ModelFileError
from chatapp.core.models.gguf_info import read_header
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.storage.settings import AppSettings, read_settings, save_settings
from chatapp.core.types import LoadOptions
from chatapp.documents.readers import UnreadableFile, read_document
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value for a field, or anything at all."""
    return st.one_of(value, JSON)


TEXT = st.text(min_size=1, max_size=30).filter(str.strip)
CALL = st.fixed_dictionaries({"id": st.just("c1"), "type": st.just("function"), "function": st.fixed_dictionaries(
    {"name": st.just("get_weather"), "arguments": st.sampled_from(['{"city": "Paris"}', "{}"])})})
CONVERSATIONS = st.one_of(
    st.lists(st.fixed_dictionaries({"role": st.sampled_from(["system", "developer", "user"]), "content": TEXT}),
             max_size=2).map(lambda m: [*m, {"role": "user", "content": "hi"}]),
    st.just([{"role": "user", "content": "weather?"}]).map(lambda m: [
        *m, {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
            "name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"}]),
    st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": TEXT}), min_size=1, max_size=3)
    .map(lambda parts: [{"role": "user", "content": parts}]),
    st.fixed_dictionaries({"data": st.sampled_from(["UklGRiQAAABXQVZF", "SUQzBAAAAAAA", "bm90IGF1ZGlv", "%%%"]),
                           "format": st.sampled_from(["wav", "mp3", "ogg"])})  # a recording, real or not
    .map(lambda audio: [{"role": "user", "content": [{"type": "input_audio", "input_audio": audio},
                                                     {"type": "text", "text": "what did I say?"}]}]),
)
TOOLS = st.lists(st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
    {"name": st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
     "parameters": st.just({"type": "object", "properties": {"x": {"type": "integer"}}})})}),
    min_size=1, max_size=3, unique_by=lambda t: t["function"]["name"])
OPTIONAL = {
    "temperature": st.floats(0, 2), "top_p": st.floats(0, 1), "top_k": st.integers(0, 100),
    "seed": st.integers(-1, 2**32 - 1), "stop": st.lists(st.text(min_size=1, max_size=4), max_size=4),
    "stream": st.booleans(), "stream_options": st.just({"include_usage": True}),
    "presence_penalty": st.floats(-2, 2), "frequency_penalty": st.floats(-2, 2),
    "response_format": st.sampled_from([{"type": "json_object"}, {"type": "text"},
                                        {"type": "json_schema", "json_schema": {"schema": {"type": "integer"}}}]),
    "grammar": st.just('root ::= "yes" | "no"'),
    "ignore_eos": st.booleans(),
}
WELL_FORMED_CHAT = st.fixed_dictionaries({"model": st.just("tiny"), "messages": CONVERSATIONS,
                                          "max_tokens": st.integers(1, 6)}, optional=OPTIONAL)
WITH_TOOLS = st.fixed_dictionaries({"model": st.just("tiny"), "messages": CONVERSATIONS,
                                    "max_tokens": st.integers(1, 6), "tools": TOOLS},
                                   optional={"tool_choice": st.sampled_from(["auto", "none", "required"]),
                                             "stream": st.booleans(), "parallel_tool_calls": st.booleans()})


@st.composite
def _one_part_replaced(draw: st.DrawFn, bodies: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A well-formed body with one part, anywhere in it, replaced by any JSON value."""
    body = draw(bodies)
    return _replaced(body, draw(st.sampled_from(_paths(body)[1:])), draw(JSON))


CHAT_BODY = st.one_of(WELL_FORMED_CHAT, WITH_TOOLS, _one_part_replaced(WELL_FORMED_CHAT),
                      _one_part_replaced(WITH_TOOLS))
COMPLETION_BODY = st.fixed_dictionaries({"model": st.just("tiny"), "prompt": TEXT, "max_tokens": st.integers(1, 6)},
                                        optional={k: v for k, v in OPTIONAL.items() if k != "response_format"})
COMPLETION_BODY = st.one_of(COMPLETION_BODY, _one_part_replaced(COMPLETION_BODY))
ANSWERS = {200, 400, 404, 413, 415}  # never 500: a crash; never 503: the model is loaded


@pytest.fixture(scope="module")
def server(tiny_model: Path) -> Iterator[ApiServer]:
    host = ModelHost()
    host.call(lambda engine: engine.load(tiny_model, LoadOptions(n_ctx=256, n_threads=2)))
    api = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    yield api
    api.stop()
    host.shutdown()


def _answer(server: ApiServer, endpoint: str, body: Any) -> None:
    raw = json.dumps(body, allow_nan=True)
    response = httpx.post(f"{server.url}/{endpoint}", content=raw, timeout=60,
                          headers={"Content-Type": "application/json"})
    assert response.status_code in ANSWERS, (response.status_code, response.text, raw)
    event(f"{endpoint} {response.status_code}")  # pytest --hypothesis-show-statistics: what the fuzz reached
    streamed = response.headers["content-type"].startswith("text/event-stream")
    if endpoint == "messages":  # Anthropic's shapes: a message, its event stream, its error envelope
        if streamed:
            assert response.text.rstrip().endswith('data: {"type": "message_stop"}') or "event: error" in \
                response.text, response.text
        elif response.status_code == 200:
            assert response.json()["type"] == "message"
        else:
            assert response.json()["type"] == "error" and response.json()["error"]["message"], response.text
        return
    if endpoint == "responses":  # the Responses API's: a response, its semantic events, OpenAI's errors
        if streamed:
            assert "event: response.completed" in response.text or "event: response.incomplete" in response.text \
                or "event: response.failed" in response.text, response.text
        elif response.status_code == 200:
            assert response.json()["object"] == "response"
        else:
            assert response.json()["error"]["message"], response.text
        return
    if streamed:
        assert response.text.rstrip().endswith("data: [DONE]") or '"error"' in response.text, response.text
        return
    payload = response.json()
    if response.status_code == 200:
        assert payload["choices"], payload
    else:
        assert isinstance(payload["error"]["message"], str) and payload["error"]["message"], payload


@FUZZ
@given(body=CHAT_BODY)
def test_chat_completions_any_shape(server: ApiServer, body: dict[str, Any]) -> None:
    _answer(server, "chat/completions", body)


@FUZZ
@given(body=COMPLETION_BODY | JSON)
def test_completions_and_embeddings_any_shape(server: ApiServer, body: Any) -> None:
    _answer(server, "completions", body)
    _answer(server, "embeddings", body)  # no embedding model here: a 404 that says how, or a 400


ANTHROPIC_BLOCKS = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": TEXT},
                          optional={"cache_control": st.just({"type": "ephemeral"})}),
    st.fixed_dictionaries({"type": st.just("image"), "source": st.fixed_dictionaries({
        "type": st.sampled_from(["base64", "url"]), "media_type": st.just("image/png"),
        "data": st.sampled_from(["iVBORw0KGgo=", "%%%", ""])})}),
)
ANTHROPIC_BODY = st.fixed_dictionaries(
    {"model": st.just("claude"), "max_tokens": st.integers(1, 6),
     "messages": st.one_of(
         st.lists(ANTHROPIC_BLOCKS, min_size=1, max_size=3).map(lambda b: [{"role": "user", "content": b}]),
         st.just([{"role": "user", "content": "weather?"},
                  {"role": "assistant", "content": [{"type": "thinking", "thinking": "hm", "signature": ""},
                                                    {"type": "tool_use", "id": "t1", "name": "get_weather",
                                                     "input": {"city": "Paris"}}]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "sunny",
                                                "is_error": True}]}]))},
    optional={"system": st.one_of(TEXT, st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": TEXT}),
                                                 max_size=2)),
              "stream": st.booleans(), "stop_sequences": st.lists(st.text(min_size=1, max_size=4), max_size=4),
              "tools": st.just([{"name": "get_weather", "input_schema": {"type": "object", "properties": {
                  "city": {"type": "string"}}}}]),
              "tool_choice": st.sampled_from([{"type": "auto"}, {"type": "any"}, {"type": "none"},
                                              {"type": "tool", "name": "get_weather"}]),
              "temperature": st.floats(0, 1), "top_k": st.integers(0, 50),
              "output_config": st.just({"format": {"type": "json_schema", "schema": {"type": "integer"}}}),
              "thinking": st.just({"type": "adaptive"}), "metadata": st.just({"user_id": "u"})})
RESPONSES_BODY = st.fixed_dictionaries(
    {"model": st.just("m"), "max_output_tokens": st.integers(1, 6),
     "input": st.one_of(TEXT, st.just([
         {"role": "developer", "content": "Be brief."}, {"type": "message", "role": "user", "content": [
             {"type": "input_text", "text": "weather?"}]},
         {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "look it up"}]},
         {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
         {"type": "function_call_output", "call_id": "c1", "output": "sunny"}]), st.just([
         {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF",
                                                                              "format": "wav"}}]}]))},
    optional={"instructions": TEXT, "stream": st.booleans(), "store": st.booleans(), "temperature": st.floats(0, 2),
              "tools": st.just([{"type": "function", "name": "get_weather", "parameters": {
                  "type": "object", "properties": {"city": {"type": "string"}}}}, {"type": "web_search"}]),
              "tool_choice": st.sampled_from(["auto", "none", "required",
                                              {"type": "function", "name": "get_weather"}]),
              "text": st.sampled_from([{"format": {"type": "json_object"}}, {"format": {
                  "type": "json_schema", "name": "n", "schema": {"type": "integer"}}}]),
              "previous_response_id": st.just("resp_missing"), "parallel_tool_calls": st.booleans(),
              "include": st.just(["reasoning.encrypted_content"]), "reasoning": st.just({"summary": "auto"})})


@FUZZ
@given(body=st.one_of(ANTHROPIC_BODY, _one_part_replaced(ANTHROPIC_BODY), JSON))
def test_anthropic_messages_any_shape(server: ApiServer, body: Any) -> None:
    _answer(server, "messages", body)


@FUZZ
@given(body=st.one_of(RESPONSES_BODY, _one_part_replaced(RESPONSES_BODY), JSON))
def test_responses_any_shape(server: ApiServer, body: Any) -> None:
    _answer(server, "responses", body)


def test_the_fuzzed_server_still_answers(server: ApiServer) -> None:
    response = httpx.post(f"{server.url}/chat/completions", timeout=60, json={
        "model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3})
    assert response.json()["choices"][0]["message"]["content"] == " Hello world."


# ----- the audio endpoints: any recording, any form, any speech request ----------------------------------
SPEECH_DIR = Path(__file__).resolve().parent / "speech"
AUDIO_FUZZ = settings(FUZZ, max_examples=40)  # a real recording takes a second to transcribe
AUDIO_ANSWERS = {200, 400, 404, 413, 415}  # never 500 (a crash), never 503 (the speech models are here)


@st.composite
def recordings(draw: st.DrawFn) -> bytes:
    """A real recording, cut short, with bytes flipped, or any bytes at all."""
    real = (SPEECH_DIR / draw(st.sampled_from(["en_fox.flac", "zh_question.flac"]))).read_bytes()
    how = draw(st.sampled_from(["whole", "cut", "flipped", "any"]))
    if how == "cut":
        return real[: draw(st.integers(0, len(real)))]
    if how == "flipped":
        damaged = bytearray(real)
        for _ in range(draw(st.integers(1, 8))):
            damaged[draw(st.integers(0, len(real) - 1))] ^= draw(st.integers(1, 255))
        return bytes(damaged)
    return real if how == "whole" else draw(st.binary(max_size=2048))


FORM_FIELDS = st.dictionaries(
    st.sampled_from(["model", "language", "response_format", "prompt", "temperature", "timestamp_granularities[]"])
    | st.text(min_size=1, max_size=8),
    st.sampled_from(["whisper-1", "en", "zh", "xx", "json", "text", "srt", "vtt", "verbose_json", "docx", ""])
    | st.text(max_size=20), max_size=4)
SPEECH_REQUEST = st.one_of(
    st.fixed_dictionaries({"model": st.just("tts-1"), "input": st.text(max_size=40)},
                          optional={"voice": st.sampled_from(["alloy", "en_US-joe-medium", "nobody"]) | JSON,
                                    "response_format": st.sampled_from(["mp3", "wav", "opus", "pcm", "docx"]) | JSON,
                                    "speed": st.floats(0, 5) | st.just(float("nan")) | JSON}),
    JSON)


@pytest.fixture(scope="module")
def voice_server(voice_data: Path) -> Iterator[ApiServer]:
    from chatapp.voice.engines import VoiceEngines

    host = ModelHost()
    api = ApiServer(ServerState(ModelRouter(host), voice=VoiceEngines(voice_data, 2)), port=0).start()
    yield api
    api.stop()
    host.shutdown()


@AUDIO_FUZZ
@given(audio=recordings(), fields=FORM_FIELDS, filename=st.text(max_size=20))
def test_transcriptions_any_recording_and_form(voice_server: ApiServer, audio: bytes, fields: dict[str, str],
                                               filename: str) -> None:
    response = httpx.post(f"{voice_server.url}/audio/transcriptions", data=fields,
                          files={"file": (filename or "a", audio)}, timeout=120)
    assert response.status_code in AUDIO_ANSWERS, (response.status_code, response.text)
    event(f"transcriptions {response.status_code}")
    if response.status_code != 200:
        assert response.json()["error"]["message"], response.text


@AUDIO_FUZZ
@given(body=SPEECH_REQUEST)
def test_speech_any_request(voice_server: ApiServer, body: Any) -> None:
    response = httpx.post(f"{voice_server.url}/audio/speech", content=json.dumps(body, allow_nan=True),
                          headers={"Content-Type": "application/json"}, timeout=120)
    assert response.status_code in AUDIO_ANSWERS, (response.status_code, response.text)
    event(f"speech {response.status_code}")
    if response.status_code == 200:
        assert response.content and response.headers["content-type"].startswith("audio/")
    else:
        assert response.json()["error"]["message"], response.text


# ----- a library server: any model name, the management endpoints ----------------------------------------
MODEL_NAMES = st.one_of(
    st.sampled_from(["tiny-hello", "TINY-HELLO.gguf", "../tiny-hello", "/etc/passwd", "..", ".", "~", "C:\\x.gguf",
                     "tiny-hello/../../x", "%2e%2e%2fsecret", "\x00", "nul", "con.gguf", "a" * 5000]),
    st.text(max_size=40), JSON)


@pytest.fixture(scope="module")
def library_server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    from chatapp.core.models.catalog import ModelCatalog
    from chatapp.core.runtime.router import RouterPolicy

    folder = tmp_path_factory.mktemp("fuzz-library")
    (folder / "tiny-hello.gguf").symlink_to(tiny_model)
    (folder.parent / "secret.gguf").write_bytes(b"GGUF not for clients")
    router = ModelRouter(None, ModelCatalog(lambda: [folder]),
                         RouterPolicy(options=LoadOptions(n_ctx=256, n_threads=2), idle_unload=None))
    api = ApiServer(ServerState(router), port=0).start()
    yield api
    api.stop()
    router.shutdown()


@FUZZ
@given(model=MODEL_NAMES, endpoint=st.sampled_from(["chat/completions", "completions", "messages", "responses"]),
       keep_alive=st.one_of(st.none(), JSON, st.sampled_from(["5m", "1h30m", "-1", 0, -1, 3.5, "soon"])))
def test_any_model_name_is_a_model_here_or_404(library_server: ApiServer, model: Any, endpoint: str,
                                               keep_alive: Any) -> None:
    body: dict[str, Any] = {"model": model, "max_tokens": 2}
    if endpoint == "completions":
        body["prompt"] = "hi"
    elif endpoint == "responses":
        body["input"] = "hi"
    else:
        body["messages"] = [{"role": "user", "content": "hi"}]
    if keep_alive is not None:
        body["keep_alive"] = keep_alive
    _answer(library_server, endpoint, body)
    ps = httpx.get(library_server.url.removesuffix("/v1") + "/api/ps", timeout=30)
    assert ps.status_code == 200 and {m["name"] for m in ps.json()["models"]} <= {"tiny-hello"}


@FUZZ
@given(body=st.one_of(st.fixed_dictionaries({"model": MODEL_NAMES}), JSON))
def test_unload_any_body(library_server: ApiServer, body: Any) -> None:
    base = library_server.url.removesuffix("/v1")
    response = httpx.post(f"{base}/api/unload", content=json.dumps(body, allow_nan=True), timeout=30,
                          headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400, 404, 413), (response.status_code, response.text)
    assert response.json().get("unloaded") is True or response.json()["error"]["message"]


def test_the_library_server_lists_and_still_answers(library_server: ApiServer) -> None:
    listed = httpx.get(f"{library_server.url}/models", timeout=30).json()["data"]
    assert [m["id"] for m in listed] == ["tiny-hello"]  # never the file beside the folder
    response = httpx.post(f"{library_server.url}/chat/completions", timeout=60, json={
        "model": "tiny-hello", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3})
    assert response.json()["choices"][0]["message"]["content"] == " Hello world."


# ----- settings files -------------------------------------------------------------------------------------
@FUZZ
@given(content=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode())
       | st.dictionaries(st.sampled_from(["sampling", "load", "api_port", "api_server", "theme", "servers",
                                          "extra_model_dirs", "speculative", "language", "version",
                                          "model_aliases", "api_max_models", "api_idle_unload",
                                          "start_at_login"]), JSON)
       .map(lambda v: json.dumps(v).encode()))
def test_any_settings_file_gives_valid_settings(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = read_settings(path)
    s = loaded.settings
    assert isinstance(s, AppSettings)
    assert isinstance(s.api_port, int) and 0 <= s.api_port <= 65535 and isinstance(s.api_server, bool)
    assert all(isinstance(d, str) for d in (*s.extra_model_dirs, *s.servers))
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in s.aliases().items())
    assert 0 <= s.api_max_models <= 64 and s.api_idle_unload >= 0 and isinstance(s.start_at_login, bool)
    save_settings(path, s)
    again = read_settings(path)
    assert again.settings == s and again.notice is None  # what was kept is clean
    for kept in tmp_path.glob("settings.json*"):  # (the data folder the fixtures make stays)
        kept.unlink()


# ----- history import ----------------------------------------------------------------------------------------
def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            out += _paths(inner, (*prefix, i))
    return out


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from chatapp.core.storage.history import HistoryStore
    from chatapp.core.types import ToolCall

    store = HistoryStore(tmp_path_factory.mktemp("export") / "history.sqlite3")
    conversation = store.create_conversation("Exported")
    user = store.add_message(conversation.id, "user", "What is the weather?")
    call = store.add_message(conversation.id, "assistant", "", parent_id=user.id,
                             tool_calls=(ToolCall("c1", "get_weather", '{"city": "Paris"}'),))
    store.add_message(conversation.id, "tool", "sunny", parent_id=call.id,
                      tool={"call_id": "c1", "name": "get_weather"})
    data = store.export_json(conversation.id)
    store.close()
    return data


@FUZZ
@given(data=st.data())
def test_any_damaged_import_is_one_sentence(store, exported: dict[str, Any], data: st.DataObject) -> None:
    paths = _paths(exported)
    path = data.draw(st.sampled_from(paths))
    damaged = _replaced(exported, path, data.draw(JSON))
    before = len(store.conversations())
    try:
        store.import_json(damaged)
    except KnownError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
        assert len(store.conversations()) == before  # nothing half-imported
    assert store.integrity_ok()


# ----- documents ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_documents(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    folder = tmp_path_factory.mktemp("docs")
    pdf = write_pdf(folder / "a.pdf", ["First page about llamas.", "Second page."]).read_bytes()
    docx = write_docx(folder / "a.docx", "Title", ["One paragraph.", "Another."]).read_bytes()
    return pdf, docx


def _read_or_refuse(path: Path) -> str:
    """read_document must return sections or raise UnreadableFile, and must come back; says which."""
    outcome: list[object] = []

    def run() -> None:
        try:
            sections = read_document(path)
            assert all(isinstance(s.text, str) for s in sections)
            outcome.append("read")
        except UnreadableFile as exc:
            outcome.append("refused" if str(exc).strip() else exc)
        except BaseException as exc:  # noqa: BLE001 - reported below with the input
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert outcome, f"reading {path.name} did not come back"
    assert outcome[0] in ("read", "refused"), repr(outcome[0])
    return str(outcome[0])


@FUZZ
@given(data=st.data())
def test_damaged_pdfs_and_word_files_are_read_or_refused(tmp_path: Path, real_documents: tuple[bytes, bytes],
                                                         data: st.DataObject) -> None:
    for original, suffix in zip(real_documents, (".pdf", ".docx"), strict=True):
        content = bytearray(original)
        for _ in range(data.draw(st.integers(1, 8))):
            content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
        cut = data.draw(st.one_of(st.just(len(content)), st.integers(len(content) // 2, len(content))))
        path = tmp_path / f"damaged{suffix}"
        path.write_bytes(bytes(content[:cut]))
        event(f"{suffix} {_read_or_refuse(path)}")


def test_a_docx_zip_bomb_is_refused_without_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            zeros = b"\0" * 2**20
            for _ in range(600):  # 600 MB that deflate to 0.6 MB
                part.write(zeros)
    assert path.stat().st_size < 2**20
    with pytest.raises(UnreadableFile, match=r"bomb\.docx would unpack to 600 MB in 2 parts; it looks like a zip bomb"):
        read_document(path)


PDF_LOOPS = {
    "pages that contain themselves": b"2 0 obj << /Type /Pages /Kids [2 0 R] /Count 1 >> endobj",
    "a page whose parent is itself": b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
                                     b"3 0 obj << /Type /Page /Parent 3 0 R /Contents 4 0 R >> endobj\n"
                                     b"4 0 obj << /Length 4 0 R >> stream\nBT ET\nendstream endobj",
    "resources that refer to themselves": b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
                                          b"3 0 obj << /Type /Page /Parent 2 0 R /Resources 5 0 R >> endobj\n"
                                          b"5 0 obj << /XObject << /X 5 0 R >> /Font 5 0 R >> endobj",
}


@pytest.mark.parametrize("objects", PDF_LOOPS.values(), ids=PDF_LOOPS.keys())
def test_pdfs_whose_references_loop_come_back(tmp_path: Path, objects: bytes) -> None:
    body = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R /Outlines 6 0 R >> endobj\n" + objects + \
        b"\n6 0 obj << /First 6 0 R /Next 6 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    path = tmp_path / "loop.pdf"
    path.write_bytes(body)
    _read_or_refuse(path)


# ----- GGUF headers ------------------------------------------------------------------------------------------
@FUZZ
@given(data=st.data())
def test_damaged_gguf_headers_are_one_sentence(tmp_path: Path, tiny_model: Path, data: st.DataObject) -> None:
    content = bytearray(tiny_model.read_bytes())
    header_end = min(len(content), 4096)  # where the metadata and tensor infos are
    for _ in range(data.draw(st.integers(1, 6))):
        content[data.draw(st.integers(0, header_end - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "damaged.gguf"
    path.write_bytes(bytes(content))
    try:
        read_header(path)
    except ModelFileError as exc:
        assert str(exc).strip() and "\n" not in str(exc)


