"""OpenAI's audio endpoints on the local speech models, with the official openai client: a recording
transcribed in every response format, speech made in every format and heard back, and what the guard
and the checks refuse."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import openai
import pytest

from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.server.limits import MAX_AUDIO_UPLOAD, MAX_SPEECH_INPUT
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState
from chatapp.voice.audio import read_audio
from chatapp.voice.engines import VoiceEngines

SPEECH = Path(__file__).resolve().parent / "speech"


@pytest.fixture(scope="module")
def voice_server(voice_data: Path) -> Iterator[ApiServer]:
    host = ModelHost()  # no chat model: the audio endpoints need none
    server = ApiServer(ServerState(ModelRouter(host), voice=VoiceEngines(voice_data, 2)), port=0).start()
    yield server
    server.stop()
    host.shutdown()


def client(server: ApiServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}", api_key="x", max_retries=0)


def test_transcriptions_with_the_official_client(voice_server: ApiServer) -> None:
    api = client(voice_server)
    with (SPEECH / "en_report.flac").open("rb") as file:
        text = api.audio.transcriptions.create(model="whisper-1", file=file)
    assert "quarterly report" in text.text.lower() and "friday" in text.text.lower()
    with (SPEECH / "en_question.flac").open("rb") as file:
        verbose = api.audio.transcriptions.create(model="whisper-base", file=file, response_format="verbose_json",
                                                  language="en")
    assert verbose.language == "en" and verbose.duration > 1 and verbose.segments[0].start == 0.0
    with (SPEECH / "en_question.flac").open("rb") as file:  # a request names models, never a folder on disk
        by_path = api.audio.transcriptions.create(model=str(SPEECH), file=file)
    assert "capital city" in by_path.text
    for fmt, start in (("text", "What is the capital"), ("srt", "1\n00:00:00,"), ("vtt", "WEBVTT")):
        with (SPEECH / "en_question.flac").open("rb") as file:
            body = api.audio.transcriptions.create(model="whisper-1", file=file, response_format=fmt)
        assert isinstance(body, str) and body.startswith(start), (fmt, body)


def test_speech_with_the_official_client_is_heard_back(voice_server: ApiServer, tmp_path: Path) -> None:
    api = client(voice_server)
    sizes = {}
    for fmt in ("mp3", "wav", "opus", "aac", "flac", "pcm"):
        speech = api.audio.speech.create(model="tts-1", voice="alloy", input="Good morning, Alice.",
                                         response_format=fmt)
        sizes[fmt] = len(speech.content)
        if fmt != "pcm":
            assert read_audio(speech.content, fmt).size > 16_000  # over a second of sound
    assert sizes["wav"] > sizes["flac"] > sizes["mp3"]
    out = tmp_path / "speech.mp3"
    api.audio.speech.create(model="tts-1", voice="en_US-joe-medium", input="**Good morning**, the `kitchen` is open.",
                            speed=1.2).write_to_file(out)
    with out.open("rb") as file:
        heard = api.audio.transcriptions.create(model="whisper-1", file=file)
    assert "morning" in heard.text.lower() and "kitchen" in heard.text.lower(), heard.text


def test_what_the_audio_endpoints_refuse(voice_server: ApiServer) -> None:
    url = voice_server.url
    api = client(voice_server)

    def refused(response: httpx.Response, status: int, start: str) -> None:
        assert response.status_code == status, response.text
        assert response.json()["error"]["message"].startswith(start), response.text

    refused(httpx.post(f"{url}/audio/transcriptions", json={"file": "a.wav"}), 415,
            "This endpoint takes a file: send it as 'Content-Type: multipart/form-data'.")
    refused(httpx.post(f"{url}/audio/speech", files={"input": (None, "hi")}), 415, "Request bodies must be JSON")
    refused(httpx.post(f"{url}/chat/completions", files={"file": ("a.wav", b"RIFF")}), 415,
            "Request bodies must be JSON")  # multipart only where a file is the point
    refused(httpx.post(f"{url}/audio/transcriptions", data={"model": "whisper-1"}, files={"x": ("a", b"")}), 400,
            "'file' is required")
    refused(httpx.post(f"{url}/audio/transcriptions", files={"file": ("notes.mp3", b"not audio at all")}), 400,
            "notes.mp3 cannot be read as audio")
    refused(httpx.post(f"{url}/audio/transcriptions", files={"file": ("empty.wav", b"")}), 400,
            "empty.wav is empty.")
    refused(httpx.post(f"{url}/audio/transcriptions", data={"language": "xx"},
                       files={"file": ("q.flac", (SPEECH / "en_question.flac").read_bytes())}), 400,
            "'xx' is not a language the speech model knows")
    refused(httpx.post(f"{url}/audio/transcriptions", data={"response_format": "docx"},
                       files={"file": ("q.flac", b"x")}), 400, "response_format must be one of json, text")
    # Over the upload limit: answered from the headers, before a byte of the body is sent.
    with socket.create_connection(("127.0.0.1", voice_server.port), timeout=30) as sock:
        sock.sendall(f"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: 127.0.0.1:{voice_server.port}\r\n"
                     "Content-Type: multipart/form-data; boundary=b\r\n"
                     f"Content-Length: {MAX_AUDIO_UPLOAD + 1}\r\n\r\n".encode())
        head = b""
        while b"request_too_large" not in head and (more := sock.recv(65536)):
            head += more
    assert head.startswith(b"HTTP/1.1 413") and f"{MAX_AUDIO_UPLOAD:,} bytes".encode() in head, head
    # A chunked upload (no Content-Length) is counted as it arrives, and refused past the limit.
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="long.wav"\r\n\r\n'
    over = httpx.post(f"{url}/audio/transcriptions", content=iter([part, *[b"x" * (1 << 20)] * 27]),
                      headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert over.status_code == 413, over.text
    with pytest.raises(openai.BadRequestError, match="input has 4,097 characters; send at most 4,096"):
        api.audio.speech.create(model="tts-1", voice="alloy", input="a" * (MAX_SPEECH_INPUT + 1))
    with pytest.raises(openai.BadRequestError, match=r"speed must be a number from 0\.25 to 4\.0"):
        api.audio.speech.create(model="tts-1", voice="alloy", input="hi", speed=9)
    with pytest.raises(openai.BadRequestError, match="response_format must be one of wav, mp3"):
        api.audio.speech.create(model="tts-1", voice="alloy", input="hi", response_format="ogg")  # type: ignore
    with pytest.raises(openai.BadRequestError, match="'input' is required"):
        api.audio.speech.create(model="tts-1", voice="alloy", input="   ")
    with pytest.raises(openai.BadRequestError, match="no words to speak"):
        api.audio.speech.create(model="tts-1", voice="alloy", input="<think>Just thinking.</think>")
    rebinding = httpx.post(f"{url}/audio/transcriptions", files={"file": ("a.wav", b"RIFF")},
                           headers={"Host": "evil.example"})
    assert rebinding.status_code == 403


def test_a_server_without_voice_says_so(tmp_path: Path) -> None:
    host = ModelHost()
    server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    try:
        response = httpx.post(f"{server.url}/audio/speech", json={"input": "hi", "model": "tts-1", "voice": "alloy"})
        assert response.status_code == 404 and "Speech is not served here" in response.text
    finally:
        server.stop()
        host.shutdown()


def test_chatapp_serve_answers_the_audio_endpoints(isolated_dirs: Path) -> None:
    """The same endpoints through `chatapp serve` itself (a process, with its chat model), then `--no-voice`."""
    from test_api_server import start_serve, stop_serve

    served = start_serve(isolated_dirs / "data")  # (its voice folder holds the session's demo transcriber)
    try:
        api = served.client()
        speech = api.audio.speech.create(model="tts-1", voice="alloy", input="Good evening, everyone.",
                                         response_format="wav")
        heard = api.audio.transcriptions.create(model="whisper-1", file=("evening.wav", speech.content))
        assert "evening" in heard.text.lower()
    finally:
        stop_serve(served)
    served = start_serve(isolated_dirs / "quiet", "--no-voice")
    try:
        response = httpx.post(f"{served.url}/audio/speech", json={"input": "hi", "model": "tts-1", "voice": "alloy"})
        assert response.status_code == 404 and "Speech is not served here" in response.text
    finally:
        stop_serve(served)
