"""A transcript as OpenAI's transcription API returns it: json, text, srt, vtt or verbose_json."""

from __future__ import annotations

import json
from typing import Any

from chatapp.voice.transcriber import Transcript

TRANSCRIPT_FORMATS = ("json", "text", "srt", "vtt", "verbose_json")


def render(transcript: Transcript, fmt: str) -> tuple[str, str]:
    """The body and its content type."""
    if fmt == "json":
        return json.dumps({"text": transcript.text}, ensure_ascii=False), "application/json"
    if fmt == "verbose_json":
        return json.dumps(verbose(transcript), ensure_ascii=False), "application/json"
    if fmt == "srt":
        return _cues(transcript, ",", numbered=True), "text/plain; charset=utf-8"
    if fmt == "vtt":
        return "WEBVTT\n\n" + _cues(transcript, ".", numbered=False), "text/vtt; charset=utf-8"
    return transcript.text + "\n", "text/plain; charset=utf-8"


def verbose(transcript: Transcript) -> dict[str, Any]:
    return {"task": "transcribe", "language": transcript.language, "duration": round(transcript.duration, 3),
            "text": transcript.text,
            "segments": [{"id": i, "start": s.start, "end": s.end, "text": s.text}
                         for i, s in enumerate(transcript.segments)]}


def _cues(transcript: Transcript, comma: str, numbered: bool) -> str:
    cues = []
    for i, segment in enumerate(transcript.segments, 1):
        timing = f"{_clock(segment.start, comma)} --> {_clock(segment.end, comma)}"
        cues.append(f"{i}\n{timing}\n{segment.text}\n" if numbered else f"{timing}\n{segment.text}\n")
    return "\n".join(cues)


def _clock(seconds: float, comma: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{comma}{millis:03d}"
