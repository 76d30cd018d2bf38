"""Models that hear: recordings through libmtmd's audio encoder into a real text model (SmolLM2) with a
tiny random Ultravox projector written by gguf-py (tests/tiny_audio_mmproj.py). Random weights hear
nothing, so these tests assert what holds on every CPU: the recording's tokens are in the prompt, other
sounds change the logits, the same recording is read once, and every refusal is one sentence that
leaves the model usable (a one-sample clip would abort the process inside libmtmd)."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import urllib.request
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openai
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_vision import RED, first_logits
from tiny_audio_mmproj import audio_tokens

from chatapp.core.images import ImageError, read_recording, recording_from_base64
from chatapp.core.runtime.engine import Engine
from chatapp.core.types import Attachment, LoadOptions, Message, SamplingParams

GREEDY = SamplingParams(temperature=0.0, max_tokens=4)
MODEL = "smollm2-135m-instruct-q4_1"


def tone(seconds: float, hz: float = 440.0, rate: int = 16000, width: int = 2) -> bytes:
    """A WAV of a sine tone (mono; `width` bytes a sample)."""
    t = np.arange(int(seconds * rate)) / rate
    wave_ = 0.3 * np.sin(2 * np.pi * hz * t)
    samples = ((wave_ * 127 + 128).astype(np.uint8).tobytes() if width == 1 else
               (wave_ * 32767).astype("<i2").tobytes())
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


def mp3(seconds: float, rate: int = 16000) -> bytes:
    """An MP3 of a tone, encoded by LAME through PyAV (with the Info frame that counts its frames)."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        stream = out.add_stream("mp3", rate=rate)
        stream.layout = "mono"
        t = np.arange(int(seconds * rate)) / rate
        frame = av.AudioFrame.from_ndarray((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :],
                                           format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buffer.getvalue()


A = Attachment.of(tone(1.0, 440), "audio/wav")
B = Attachment.of(tone(1.0, 880), "audio/wav")


@pytest.fixture(scope="module")
def engine(hearing_model: Path) -> Iterator[Engine]:
    e = Engine()
    e.load(hearing_model, LoadOptions(n_ctx=1024))
    yield e
    e.unload()


def test_the_audio_projector_beside_the_model_is_found(engine: Engine) -> None:
    assert engine.hears_audio and not engine.sees_images
    assert engine.summary is not None and engine.summary.hears_audio
    assert Path(engine.summary.projector).name == "mmproj-smollm2-tiny-audio-f32.gguf"


def test_the_recording_reaches_the_model(engine: Engine) -> None:
    question = "What did I say?"
    heard = engine.chat([Message("user", question, attachments=(A,))], GREEDY)
    heard.text()
    text_only = engine.chat([Message("user", question)], GREEDY)
    text_only.text()
    assert heard.stats is not None and text_only.stats is not None
    assert heard.stats.prompt_tokens - text_only.stats.prompt_tokens == audio_tokens(1.0) == 15
    low = first_logits(engine, [Message("user", question, attachments=(A,))])
    high = first_logits(engine, [Message("user", question, attachments=(B,))])
    again = first_logits(engine, [Message("user", question, attachments=(A,))])
    assert np.abs(low - high).max() > 0.05  # another sound, other logits
    assert np.abs(low - again).max() < 1e-3  # the same recording, the same logits
    # a preview of the prompt says where the recording goes
    assert "[audio]" + question in engine.readable(engine.render([Message("user", question, attachments=(A,))]))


def test_a_long_recording_is_read_in_30_second_windows_and_a_follow_up_reads_it_once(engine: Engine) -> None:
    long = Attachment.of(tone(35.0, 300), "audio/wav")
    first = [Message("user", "Summarise this.", attachments=(long,))]
    stream = engine.chat(first, GREEDY)
    reply = stream.text()
    text_only = engine.chat([Message("user", "Summarise this.")], GREEDY)
    text_only.text()
    assert stream.stats is not None and text_only.stats is not None
    assert stream.stats.prompt_tokens - text_only.stats.prompt_tokens == audio_tokens(35.0) == 30
    stream = engine.chat(first, GREEDY)  # read again: the cache now holds the text-only prompt
    stream.text()
    before = engine.images_encoded
    follow_up = [*first, Message("assistant", reply), Message("user", "And how long was it?")]
    stream = engine.chat(follow_up, GREEDY)
    stream.text()
    assert engine.images_encoded == before  # the KV cache kept it
    assert stream.stats is not None and stream.stats.prompt_tokens_evaluated < stream.stats.prompt_tokens - 30


@pytest.mark.parametrize(("data", "sentence"), [
    (b"RIFF\x00\x10\x00\x00WAVEfmt " + os.urandom(4096), r"^Recording 1 \(audio/wav\) could not be decoded"),
    (tone(1 / 16000), r"^Recording 1 is too short to hear"),  # one sample: libmtmd would abort the process
    (tone(0.05), r"^Recording 1 is too short to hear"),
    (tone(21 * 60, rate=8000, width=1), r"^Recording 1 is 21 minutes long; a model is given at most 20 minutes"),
])
def test_a_recording_that_cannot_be_heard_is_one_sentence_and_the_model_stays_usable(
        engine: Engine, data: bytes, sentence: str) -> None:
    with pytest.raises(ImageError, match=sentence):
        engine.chat([Message("user", "What is this?", attachments=(Attachment.of(data, "audio/wav"),))], GREEDY)
    assert engine.chat([Message("user", "Hello")], GREEDY).text()


@st.composite
def _wav_like(draw: st.DrawFn) -> bytes:
    """A RIFF/WAVE file whose header fields and data are anything: what a hostile client could send."""
    sane = draw(st.booleans())  # half of them plausible, so the decoder and the encoder are reached too
    channels = 1 if sane else draw(st.integers(0, 9))
    rate = 16000 if sane else draw(st.sampled_from([0, 1, 7, 8000, 44100, 2**31 - 1]))
    width, fmt = (2, 1) if sane else (draw(st.integers(0, 5)), draw(st.sampled_from([1, 3, 6, 7, 0xFFFE, 0])))
    data = (np.random.default_rng(draw(st.integers(0, 99))).integers(-2**15, 2**15, draw(st.integers(0, 24000)),
                                                                     dtype="<i2").tobytes()
            if sane else draw(st.binary(max_size=4000)))
    declared = len(data) if sane else draw(st.sampled_from([len(data), 0, 1, 2**31, 2**32 - 1]))
    block = channels * width
    chunk = (fmt.to_bytes(2, "little") + channels.to_bytes(2, "little") + rate.to_bytes(4, "little")
             + (rate * block % 2**32).to_bytes(4, "little") + (block % 2**16).to_bytes(2, "little")
             + (width * 8).to_bytes(2, "little"))
    body = b"WAVE" + b"fmt " + len(chunk).to_bytes(4, "little") + chunk + b"data" + declared.to_bytes(4, "little")
    riff = b"RIFF" if sane else draw(st.sampled_from([b"RIFF", b"RIFX"]))
    return riff + (len(body) + len(data)).to_bytes(4, "little") + body + data


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recording=_wav_like())
def test_any_wav_header_is_heard_or_one_sentence_never_a_crash(engine: Engine, recording: bytes) -> None:
    """libmtmd aborts the whole process on some clips (one sample); whatever the header says, the engine
    prepares the prompt or raises its sentence."""
    messages = [Message("user", "What is this?", attachments=(Attachment.of(recording, "audio/wav"),))]
    try:
        prepared = engine.prepare(messages, 4)
    except ImageError as exc:
        event(str(exc).split(" (")[0].split(":")[0])
        return
    event("heard")
    assert prepared.vision is not None and prepared.vision.spans
    prepared.vision.close()


def test_an_mp3_is_heard_and_one_whose_header_says_hours_is_refused_before_it_is_decoded(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """libmtmd decodes a whole MP3 into 16 kHz floats before anyone can count them (20 MB of a low
    bitrate is hours: gigabytes; a three-hour frame count in the header alone makes it allocate 690 MB);
    the length its header tells is checked first."""
    from llama_cpp import mtmd_cpp

    from chatapp.core.images import recording_seconds

    decoded: list[int] = []  # libmtmd's decoder, watched (and called) to see that it is never reached
    decode = mtmd_cpp.mtmd_helper_bitmap_init_from_buf
    monkeypatch.setattr(mtmd_cpp, "mtmd_helper_bitmap_init_from_buf",
                        lambda *args: decoded.append(args[2]) or decode(*args))

    short = mp3(2.0)
    assert recording_seconds(short) == pytest.approx(2.0, abs=0.2)
    heard = engine.chat([Message("user", "What is this?", attachments=(Attachment.of(short, "audio/mpeg"),))], GREEDY)
    heard.text()
    assert heard.stats is not None and heard.stats.prompt_tokens > audio_tokens(2.0)
    # the same two seconds of sound behind an Info frame that counts three hours of frames
    told = bytearray(short)
    at = told.find(b"Info")
    assert at > 0 and told[at + 7] & 1  # the frame count is there
    told[at + 8:at + 12] = (3 * 3600 * 16000 // 576).to_bytes(4, "big")
    assert decoded == [len(short)]
    with pytest.raises(ImageError, match=r"^Recording 1 is 180 minutes long; a model is given at most 20 minutes"):
        engine.chat([Message("user", "And this?", attachments=(Attachment.of(bytes(told), "audio/mpeg"),))], GREEDY)
    assert decoded == [len(short)]  # refused from its header
    assert engine.chat([Message("user", "Hello")], GREEDY).text()


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(head=st.sampled_from([b"RIFF\x00\x00\x00\x00WAVE", b"fLaC\x00", b"ID3\x04\x00\x00", b"\xff\xfb", b"\xff\xe3",
                             b"\xff\xfb\x90\xc4" + b"\x00" * 17 + b"Info", b""]),  # the last: a mono MPEG-1 frame's tag
       tail=st.binary(max_size=200))
def test_a_header_of_any_bytes_gives_a_length_or_none(head: bytes, tail: bytes) -> None:
    from chatapp.core.images import recording_seconds

    seconds = recording_seconds(head + tail)
    assert seconds is None or seconds >= 0


def test_a_model_that_hears_but_does_not_see_refuses_an_image(engine: Engine) -> None:
    with pytest.raises(ImageError, match=r"cannot see images: its projector mmproj-smollm2-tiny-audio-f32\.gguf "
                                         r"takes recordings only"):
        engine.chat([Message("user", "And this?", attachments=(RED,))], GREEDY)
    # an image of an earlier turn is left out, the recording of the newest is heard
    earlier = [Message("user", "Look.", attachments=(RED,)), Message("assistant", "I cannot see it."),
               Message("user", "Then listen.", attachments=(A,))]
    assert engine.chat(earlier, GREEDY).text()


def test_a_model_without_an_audio_projector_refuses_a_recording_in_one_sentence(vision_model: Path) -> None:
    e = Engine()
    e.load(vision_model, LoadOptions(n_ctx=512))
    try:
        assert e.sees_images and not e.hears_audio
        with pytest.raises(ImageError, match=r"cannot listen to recordings: it has no audio projector \(an mmproj-"):
            e.chat([Message("user", "What did I say?", attachments=(A,))], GREEDY)
        earlier = [Message("user", "Hi", attachments=(A,)), Message("assistant", "Hello."),
                   Message("user", "Still there?")]
        assert e.chat(earlier, GREEDY).text()  # an earlier turn's recording is left out
    finally:
        e.unload()


def test_what_is_not_a_recording_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("not a recording")
    with pytest.raises(ImageError, match=r"^notes\.wav is not a recording chatapp can send \(WAV, MP3 or FLAC\)\.$"):
        read_recording(text)
    flac = tmp_path / "a.flac"
    flac.write_bytes(b"fLaC" + b"\x00" * 64)
    assert read_recording(flac).mime == "audio/flac"
    with pytest.raises(ImageError, match="is not a mp3 recording"):
        recording_from_base64(base64.b64encode(A.data).decode(), "mp3")


# ----- the API and the terminal ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(hearing_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("serve-audio")
    env = {**os.environ, "CHATAPP_DATA_DIR": str(data), "CHATAPP_CONFIG_DIR": str(data / "config")}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(hearing_model), "--port", "0",
                             "--ctx", "1024", "--no-voice"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert " on http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.stderr else "")
    yield line.split(" on ")[1].strip()
    proc.terminate()
    proc.communicate(timeout=30)


def audio_part(data: bytes, fmt: str = "wav") -> dict:
    return {"type": "input_audio", "input_audio": {"data": base64.b64encode(data).decode(), "format": fmt}}


def test_the_openai_client_sends_input_audio(served: str) -> None:
    client = openai.OpenAI(base_url=served, api_key="unused", max_retries=0, timeout=120)
    question = {"type": "text", "text": "What did I say?"}
    heard = client.chat.completions.create(model=MODEL, max_tokens=4, temperature=0, messages=[
        {"role": "user", "content": [audio_part(A.data), question]}])
    deaf = client.chat.completions.create(model=MODEL, max_tokens=4, temperature=0, messages=[
        {"role": "user", "content": [question]}])
    assert heard.usage is not None and deaf.usage is not None
    assert heard.usage.prompt_tokens - deaf.usage.prompt_tokens == audio_tokens(1.0)
    with pytest.raises(openai.BadRequestError) as long:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": [
            audio_part(tone(21 * 60, rate=4000, width=1)), question]}])  # 5 MB: under the body limit
    assert "21 minutes long" in long.value.message
    with pytest.raises(openai.BadRequestError) as damaged:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": [
            audio_part(b"RIFF\x00\x10\x00\x00WAVE" + b"\x00" * 64), question]}])
    assert "could not be decoded" in damaged.value.message
    again = client.chat.completions.create(model=MODEL, max_tokens=4, temperature=0, messages=[
        {"role": "user", "content": [audio_part(A.data), question]}])
    assert again.choices[0].message.content == heard.choices[0].message.content  # the server is still well
    # the Responses API takes the same part (agents' SDKs send it there)
    said = client.responses.create(model=MODEL, max_output_tokens=16, temperature=0, input=[
        {"role": "user", "content": [audio_part(A.data), {"type": "input_text", "text": "What did I say?"}]}])
    unsaid = client.responses.create(model=MODEL, max_output_tokens=16, temperature=0, input=[
        {"role": "user", "content": [{"type": "input_text", "text": "What did I say?"}]}])
    assert said.usage is not None and unsaid.usage is not None
    assert said.usage.input_tokens - unsaid.usage.input_tokens == audio_tokens(1.0)
    with urllib.request.urlopen(served + "/models", timeout=30) as listing:
        listed = json.load(listing)["data"][0]
    assert "audio" in listed["capabilities"] and "vision" not in listed["capabilities"]


def test_chat_audio_in_the_terminal_is_heard_kept_and_survives_export_and_import(hearing_model: Path,
                                                                                  tmp_path: Path) -> None:
    from chatapp.core.storage.history import HistoryStore
    from chatapp.core.storage.history.exchange import export_json, import_json

    recording = tmp_path / "question.wav"
    recording.write_bytes(A.data)
    env = {**os.environ, "CHATAPP_DATA_DIR": str(tmp_path / "data"), "CHATAPP_CONFIG_DIR": str(tmp_path / "cfg")}
    done = subprocess.run([sys.executable, "-m", "chatapp", "chat", "--model", str(hearing_model), "--audio",
                           str(recording), "--prompt", "What did I say?", "--max-tokens", "4", "--stats"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stderr.strip().splitlines()[-1])
    assert stats["prompt_tokens"] > audio_tokens(1.0)
    notes = tmp_path / "notes.txt"
    notes.write_text("what I meant to say")
    refused = subprocess.run([sys.executable, "-m", "chatapp", "chat", "--model", str(hearing_model), "--audio",
                              str(notes), "--prompt", "Hi"], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    assert "is not a recording chatapp can send (WAV, MP3 or FLAC)." in refused.stderr
    assert "Traceback" not in refused.stderr

    store = HistoryStore(tmp_path / "data" / "history.sqlite3")
    try:
        (conversation,) = store.conversations()
        user = store.active_path(conversation.id)[0]
        (kept,) = user.engine_message(store.images).attachments
        assert (kept.data, kept.mime) == (A.data, "audio/wav")
        assert store.images.path(user.images[0]).suffix == ".wav"
        exported = export_json(store, conversation.id)
        assert exported["messages"][0]["content"][0] == audio_part(A.data)  # OpenAI's shape, for other tools
        copy = import_json(store, json.loads(json.dumps(exported)))
        (again,) = store.active_path(copy.id)[0].engine_message(store.images).attachments
        assert again == kept
    finally:
        store.close()
