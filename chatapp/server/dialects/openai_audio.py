"""OpenAI's audio endpoints on the local speech models (chatapp/voice/): `POST /v1/audio/transcriptions`
(a multipart form: `file`, `model`, `language`, `prompt`, `response_format` json/text/srt/vtt/verbose_json)
and `POST /v1/audio/speech` (JSON: `input`, `model`, `voice`, `response_format`
wav/mp3/opus/aac/flac/pcm, `speed`). OpenAI's model and voice names ("whisper-1", "tts-1", "alloy") get
the default models; a local model's name picks it. The guard lets multipart bodies through on the
transcription path only, with its own size limit (server/limits.py)."""

from __future__ import annotations

import asyncio

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from chatapp.core.errors import KnownError
from chatapp.server.dialects import Dialect
from chatapp.server.errors import ApiError
from chatapp.server.limits import MAX_SPEECH_INPUT
from chatapp.server.requests import decode
from chatapp.server.state import server_state
from chatapp.voice.audio import SPEECH_FORMATS, AudioError, content_type
from chatapp.voice.engines import VoiceEngines
from chatapp.voice.formats import TRANSCRIPT_FORMATS, render
from chatapp.voice.speakable import speakable
from chatapp.voice.speaker import MAX_SPEED, MIN_SPEED
from chatapp.voice.transcriber import UnknownLanguage

FIELD_LIMIT = 64 * 1024  # bytes of a form field other than the file (a prompt, a language code)


async def transcriptions(request: Request) -> Response:
    voice = _voice(request)
    try:
        form = await request.form(max_files=1, max_fields=16, max_part_size=FIELD_LIMIT)
    except ApiError:  # the guard's: the body passed the size limit while it was read
        raise
    except AssertionError:  # Starlette without python-multipart
        raise ApiError(501, "Transcription needs the voice libraries on the server: pip install \"chatapp[voice]\".",
                       kind="server_error") from None
    except Exception as exc:  # noqa: BLE001  (python-multipart's refusals have no common base to name)
        raise ApiError(400, f"The body is not a multipart form this server can read ({_said(exc)}).") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(400, "'file' is required: the audio to transcribe, as a file field of the form.",
                           param="file")
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        fmt = fields.get("response_format", "json")
        if fmt not in TRANSCRIPT_FORMATS:
            raise ApiError(400, f"response_format must be one of {', '.join(TRANSCRIPT_FORMATS)}.",
                           param="response_format")
        audio = await upload.read()
        name = "".join(c for c in (upload.filename or "")[:120] if c.isprintable()) or "The audio file"
        try:
            transcript = await asyncio.to_thread(voice.transcribe, audio, name, fields.get("language") or None,
                                                 fields.get("prompt") or None, fields.get("model", ""))
        except AudioError as exc:
            raise ApiError(400, str(exc), param="file") from None
        except UnknownLanguage as exc:
            raise ApiError(400, str(exc), param="language") from None
        except KnownError as exc:
            raise _unavailable(exc) from None
    finally:
        await form.close()  # the upload's temporary file
    body, media = render(transcript, fmt)
    return Response(body, media_type=media)


async def speech(request: Request) -> Response:
    voice = _voice(request)
    body = await asyncio.to_thread(decode, await request.body())
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "'input' is required: the text to speak.", param="input")
    if len(text) > MAX_SPEECH_INPUT:
        raise ApiError(400, f"input has {len(text):,} characters; send at most {MAX_SPEECH_INPUT:,} per request.",
                       param="input")
    fmt = body.get("response_format", "mp3")
    if fmt not in SPEECH_FORMATS:
        raise ApiError(400, f"response_format must be one of {', '.join(SPEECH_FORMATS)}.", param="response_format")
    speed = body.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise ApiError(400, f"speed must be a number from {MIN_SPEED} to {MAX_SPEED}.", param="speed")
    name = body.get("voice", "")
    if isinstance(name, dict):  # the newer clients' {"id": "..."} for a custom voice
        name = name.get("id", "")
    if not isinstance(name, str):
        raise ApiError(400, "voice must be a voice's name.", param="voice")
    words = speakable(text)  # the words of Markdown, without code or thinking
    if not words:
        raise ApiError(400, "input has no words to speak (only markup, or thinking).", param="input")
    try:
        audio = await asyncio.to_thread(voice.speech, words, fmt, name, float(speed))
    except KnownError as exc:
        raise _unavailable(exc) from None
    return Response(audio, media_type=content_type(fmt))


def _voice(request: Request) -> VoiceEngines:
    voice = server_state(request).voice
    if voice is None:
        raise ApiError(404, "Speech is not served here (chatapp serve --no-voice).",
                       code="model_not_found")
    return voice


def _unavailable(exc: KnownError) -> ApiError:
    """A speech model or library that is missing or cannot be loaded: said as it is."""
    return ApiError(503, str(exc), kind="server_error", code="model_not_loaded")


def _said(exc: Exception) -> str:
    return (str(exc).strip().rstrip(".") or type(exc).__name__)[:120]


def _routes() -> tuple[Route, ...]:
    return (Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
            Route("/v1/audio/speech", speech, methods=["POST"]))


DIALECT = Dialect("openai-audio", _routes())
UPLOAD_PATHS = frozenset({"/v1/audio/transcriptions"})
