"""Models that see: images through libmtmd into a real text model (SmolLM2) with a tiny random vision
projector written by gguf-py (tests/tiny_mmproj.py). Random weights see nothing, so these tests assert
what holds on every CPU: the image's tokens are in the prompt, different images change the logits,
the same image is read once, and every refusal is one sentence."""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openai
import pytest

from chatapp.core.images import ImageError, image_from_bytes, image_from_url, read_image
from chatapp.core.runtime.engine import Engine
from chatapp.core.types import Attachment, LoadOptions, Message, SamplingParams

IMAGE_TOKENS = 16  # the tiny projector: 32×32 pixels in 8×8 patches
GREEDY = SamplingParams(temperature=0.0, max_tokens=4)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour, written by hand (no imaging library needed)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


RED = image_from_bytes(png(40, 30, (220, 20, 20)), "red.png")
BLUE = image_from_bytes(png(40, 30, (20, 20, 220)), "blue.png")


@pytest.fixture(scope="module")
def engine(vision_model: Path) -> Iterator[Engine]:
    e = Engine()
    e.load(vision_model, LoadOptions(n_ctx=1024))
    yield e
    e.unload()


def first_logits(engine: Engine, messages: list[Message]) -> np.ndarray:
    """The logits that start the reply, as the engine reads the prompt (images through libmtmd)."""
    prepared = engine.prepare(messages, 16)
    assert engine._seq is not None
    spans = prepared.vision.spans if prepared.vision is not None else None
    return engine._seq.read_prompt(prepared.tokens, spans).copy()


def test_the_projector_beside_the_model_is_found_and_the_library_does_not_list_it(engine: Engine,
                                                                                     vision_model: Path) -> None:
    from chatapp.core.models.library import library_models

    assert engine.sees_images and engine.summary is not None
    assert Path(engine.summary.projector).name == "mmproj-smollm2-tiny-f32.gguf"
    assert library_models(vision_model.parent) == [vision_model]  # the projector is not a chat model


def test_the_image_reaches_the_model(engine: Engine) -> None:
    question = "What colour is this?"
    with_image = engine.chat([Message("user", question, attachments=(RED,))], GREEDY)
    with_image.text()
    text_only = engine.chat([Message("user", question)], GREEDY)
    text_only.text()
    assert with_image.stats is not None and text_only.stats is not None
    assert with_image.stats.prompt_tokens - text_only.stats.prompt_tokens == IMAGE_TOKENS
    red = first_logits(engine, [Message("user", question, attachments=(RED,))])
    blue = first_logits(engine, [Message("user", question, attachments=(BLUE,))])
    again = first_logits(engine, [Message("user", question, attachments=(RED,))])
    assert np.abs(red - blue).max() > 0.05  # another picture, other logits
    assert np.abs(red - again).max() < 1e-3  # the same picture, the same logits


def test_an_image_already_read_is_not_encoded_again_in_a_follow_up(engine: Engine) -> None:
    first = [Message("user", "Describe this picture.", attachments=(BLUE,))]
    stream = engine.chat(first, GREEDY)
    reply = stream.text()
    before = engine.images_encoded
    follow_up = [*first, Message("assistant", reply), Message("user", "And what is in its corner?")]
    stream = engine.chat(follow_up, GREEDY)
    stream.text()
    assert engine.images_encoded == before  # the KV cache kept it
    assert stream.stats is not None
    assert stream.stats.prompt_tokens_evaluated < stream.stats.prompt_tokens - IMAGE_TOKENS
    another = [*first, Message("assistant", reply), Message("user", "And this one?", attachments=(RED,))]
    engine.chat(another, GREEDY).text()
    assert engine.images_encoded == before + 1  # only the new image


def test_a_broken_image_is_one_sentence_and_the_model_stays_usable(engine: Engine) -> None:
    broken = Attachment.of(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 40, "image/png")
    with pytest.raises(ImageError, match=r"^Image 1 \(image/png\) could not be decoded: the file is damaged"):
        engine.chat([Message("user", "What is this?", attachments=(broken,))], GREEDY)
    assert engine.chat([Message("user", "Hello")], GREEDY).text()


def test_a_model_without_a_projector_refuses_an_image_saying_what_to_download(instruct_model: Path) -> None:
    engine = Engine()
    engine.load(instruct_model, LoadOptions(n_ctx=512))
    try:
        assert not engine.sees_images
        with pytest.raises(ImageError, match=r"cannot see images: it has no vision projector\. Download the "
                                             r"model's mmproj-"):
            engine.chat([Message("user", "What is this?", attachments=(RED,))], GREEDY)
        # A conversation begun with a model that sees goes on: earlier turns' images are left out.
        earlier = [Message("user", "What is this?", attachments=(RED,)), Message("assistant", "A red square."),
                   Message("user", "Thanks! And what is two plus two?")]
        stream = engine.chat(earlier, GREEDY)
        stream.text()
        assert stream.stats is not None and stream.stats.completion_tokens > 0
    finally:
        engine.unload()


def test_what_is_not_an_image_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(ImageError, match=r"^notes\.png is not an image chatapp can read \(PNG, JPEG, GIF or BMP\)\.$"):
        read_image(text)
    with pytest.raises(ImageError, match=r"is a link \(https\); chatapp never fetches images"):
        image_from_url("https://example.com/cat.png")
    with pytest.raises(ImageError, match=r"must be a data: URL with base64 data"):
        image_from_url("data:image/png,rawbytes")
    url = "data:image/png;base64," + base64.b64encode(RED.data).decode()
    assert image_from_url(url).sha256 == RED.sha256


# ----- the API, through the official client ---------------------------------------------------------
@pytest.fixture(scope="module")
def served(vision_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("serve-vision")
    env = {**os.environ, "CHATAPP_DATA_DIR": str(data), "CHATAPP_CONFIG_DIR": str(data / "config")}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(vision_model), "--port", "0",
                             "--ctx", "1024"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert " on http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.stderr else "")
    yield line.split(" on ")[1].strip()
    proc.terminate()
    proc.communicate(timeout=30)


def image_part(data: bytes) -> dict:
    return {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(data).decode()}}


def test_the_openai_client_sends_a_data_url_image(served: str) -> None:
    client = openai.OpenAI(base_url=served, api_key="unused", max_retries=0, timeout=120)
    question = {"type": "text", "text": "What colour is this picture?"}
    seen = client.chat.completions.create(model="smollm2-135m-instruct-q4_1", max_tokens=4, temperature=0, messages=[
        {"role": "user", "content": [image_part(RED.data), question]}])
    blind = client.chat.completions.create(model="smollm2-135m-instruct-q4_1", max_tokens=4, temperature=0, messages=[
        {"role": "user", "content": [question]}])
    assert seen.usage is not None and blind.usage is not None
    assert seen.usage.prompt_tokens - blind.usage.prompt_tokens == IMAGE_TOKENS
    with pytest.raises(openai.BadRequestError) as link:
        client.chat.completions.create(model="smollm2-135m-instruct-q4_1", messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "http://169.254.169.254/latest/meta-data"}}, question]}])
    assert "chatapp never fetches images" in link.value.message
    with pytest.raises(openai.BadRequestError) as broken:
        client.chat.completions.create(model="smollm2-135m-instruct-q4_1", messages=[{"role": "user", "content": [
            image_part(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), question]}])
    assert "could not be decoded" in broken.value.message


def test_a_text_only_model_answers_an_image_with_a_400_that_says_so(tmp_path: Path, instruct_model: Path) -> None:
    from chatapp.core.runtime.model_host import ModelHost
    from chatapp.core.runtime.router import ModelRouter
    from chatapp.server.runner import ApiServer
    from chatapp.server.state import ServerState

    host = ModelHost()
    host.call(lambda engine: engine.load(instruct_model, LoadOptions(n_ctx=512)))
    server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=60)
        with pytest.raises(openai.BadRequestError) as err:
            client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": [
                image_part(RED.data), {"type": "text", "text": "What is this?"}]}])
        assert "cannot see images: it has no vision projector" in err.value.message
    finally:
        server.stop()
        host.shutdown()


def test_a_recording_is_an_attachment_a_model_without_an_audio_projector_refuses(tmp_path: Path,
                                                                                  instruct_model: Path) -> None:
    """Messages carry attachments of either kind; a model with no projector refuses a recording in the
    newest message in one sentence (a 400 through the API, an `input_audio` part) and leaves an earlier
    turn's out. Models that hear: tests/test_audio_input.py."""
    import base64
    import io
    import wave

    from chatapp.core.images import ImageError
    from chatapp.core.runtime.model_host import ModelHost
    from chatapp.core.runtime.router import ModelRouter
    from chatapp.core.types import Attachment
    from chatapp.server.runner import ApiServer
    from chatapp.server.state import ServerState

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 1600)
    recording = Attachment.of(buffer.getvalue(), "audio/wav")
    spoken = Message("user", "What did I say?", attachments=(recording, RED))
    assert (recording.kind, RED.kind, spoken.audio, spoken.images) == ("audio", "image", (recording,), (RED,))
    host = ModelHost()
    host.call(lambda engine: engine.load(instruct_model, LoadOptions(n_ctx=512)))
    try:
        with pytest.raises(ImageError, match="cannot listen to recordings: it has no audio projector"):
            host.call(lambda engine: engine.chat([Message("user", "Hi", attachments=(recording,))], GREEDY))
        earlier = [Message("user", "Hi", attachments=(recording,)), Message("assistant", "Hello."),
                   Message("user", "Still there?")]
        assert host.call(lambda engine: engine.chat(earlier, GREEDY).text())
        server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
        try:
            client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=60)
            part = {"type": "input_audio", "input_audio": {"data": base64.b64encode(recording.data).decode(),
                                                           "format": "wav"}}
            with pytest.raises(openai.BadRequestError) as err:
                client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": [
                    part, {"type": "text", "text": "What did I say?"}]}])
            assert "cannot listen to recordings: it has no audio projector" in err.value.message
            part["input_audio"]["format"] = "mp3"
            with pytest.raises(openai.BadRequestError, match="is not a mp3 recording"):
                client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": [part]}])
        finally:
            server.stop()
    finally:
        host.shutdown()


# ----- the terminal and the history -----------------------------------------------------------------
def test_chat_image_is_sent_kept_in_the_history_and_survives_export_and_import(vision_model: Path,
                                                                                 tmp_path: Path) -> None:
    from chatapp.core.storage.history import HistoryStore
    from chatapp.core.storage.history.exchange import export_json, import_json

    picture = tmp_path / "red.png"
    picture.write_bytes(RED.data)
    env = {**os.environ, "CHATAPP_DATA_DIR": str(tmp_path / "data"), "CHATAPP_CONFIG_DIR": str(tmp_path / "cfg")}
    done = subprocess.run([sys.executable, "-m", "chatapp", "chat", "--model", str(vision_model), "--image",
                           str(picture), "--prompt", "What colour is it?", "--max-tokens", "4", "--stats"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stderr.strip().splitlines()[-1])
    blind = subprocess.run([sys.executable, "-m", "chatapp", "chat", "--model", str(vision_model), "--no-history",
                            "--prompt", "What colour is it?", "--max-tokens", "4", "--stats"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert stats["prompt_tokens"] - json.loads(blind.stderr.strip().splitlines()[-1])["prompt_tokens"] == IMAGE_TOKENS

    store = HistoryStore(tmp_path / "data" / "history.sqlite3")
    try:
        [conversation] = store.conversations()
        user = store.active_path(conversation.id)[0]
        assert [ref.sha256 for ref in user.images] == [RED.sha256]
        assert store.images.load(user.images[0]) == RED  # the file, content-addressed beside the history
        exported = export_json(store, conversation.id)
        assert exported["messages"][0]["content"][0]["type"] == "image_url"
        copy = import_json(store, json.loads(json.dumps(exported)))
        [image] = store.active_path(copy.id)[0].engine_message(store.images).images
        assert image.data == RED.data
        exported["tree"][0]["images"][0]["data"] = base64.b64encode(b"not an image").decode()
        from chatapp.core.errors import KnownError

        with pytest.raises(KnownError, match=r"export is damaged \(tree\[0\]\.images\[0\] is not an image"):
            import_json(store, exported)
    finally:
        store.close()


def test_deleting_chats_deletes_their_image_files_unless_another_message_names_them(tmp_path: Path) -> None:
    """Images are files named by their content: a deleted chat's pictures leave the disk, but one that
    another chat also holds stays until that chat goes too."""
    from chatapp.core.storage.history import HistoryStore

    store = HistoryStore(tmp_path / "history.sqlite3")
    try:
        first, second = store.create_conversation(), store.create_conversation()
        store.add_message(first.id, "user", "both", images=(RED, BLUE))
        shared = store.add_message(second.id, "user", "red again", images=(RED,))
        red, blue = store.images.path(shared.images[0]), store.images.path(store.active_path(first.id)[0].images[1])
        assert red.is_file() and blue.is_file()
        store.delete_conversation(first.id)
        assert red.is_file() and not blue.is_file()  # the red one is still in the second chat
        store.delete_message(shared.id)
        assert not red.is_file()
        assert store.active_path(second.id) == []
    finally:
        store.close()
