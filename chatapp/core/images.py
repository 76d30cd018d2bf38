"""Images and recordings from outside (a file, a pasted or dropped picture, an API data URL or
`input_audio`) checked before anyone sends them: a type libmtmd decodes (stb_image: PNG, JPEG, GIF,
BMP…; miniaudio: WAV, MP3, FLAC), no larger than a photo needs to be. Whether the pixels or the sound
decode is known only when the projector reads them (core/runtime/vision.py); a broken file is refused
there, in one sentence too."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.types import Attachment

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a 50-megapixel JPEG is ~20 MB; anything bigger is not a photo to ask about
MAX_IMAGES_PER_MESSAGE = 16

# Magic bytes of the formats stb_image (inside libmtmd) decodes, and their MIME types.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


class ImageError(KnownError):
    """An image that cannot be sent: not an image, too big, or from somewhere chatapp does not fetch."""


def sniff(data: bytes) -> str | None:
    """The image's MIME type from its first bytes, None when it is not a format chatapp reads."""
    return next((mime for magic, mime in _SIGNATURES if data.startswith(magic)), None)


def image_from_bytes(data: bytes, name: str) -> Attachment:
    """`name` says which file in the sentence when the bytes are refused."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} is larger than 20 MB; send a smaller image."), name=name)
    mime = sniff(data)
    if mime is None:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} is not an image chatapp can read (PNG, JPEG, GIF or "
                                           "BMP)."), name=name)
    return Attachment.of(data, mime)


def read_image(path: str | Path) -> Attachment:
    path = Path(path)
    return image_from_bytes(_read_file(path, QT_TRANSLATE_NOOP("core", "{name} is larger than 20 MB; send a "
                                                                       "smaller image.")), path.name)


def _read_file(path: Path, too_big: str) -> bytes:
    """The file's bytes; `too_big` (a sentence naming {name}) for one over 20 MB, which is never read."""
    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise ImageError(too_big, name=path.name)
        return path.read_bytes()
    except OSError as exc:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} cannot be read: {reason}."), name=path.name,
                         reason=exc.strerror or str(exc)) from None


def image_from_url(url: str, where: str = "the image") -> Attachment:
    """An OpenAI `image_url`: only `data:image/…;base64,…`. The server never fetches a URL (a request
    must not make chatapp reach into the network or the local machine on its behalf)."""
    if url.startswith(("http://", "https://", "file:", "ftp:")):
        raise ImageError(QT_TRANSLATE_NOOP("core", "{where} is a link ({scheme}); chatapp never fetches images: send "
                                           "the image itself as a data: URL (data:image/png;base64,…)."),
                         where=where, scheme=url.split(":", 1)[0])
    header, comma, payload = url.partition(",")
    if not (url.startswith("data:") and comma and header.endswith(";base64")):
        raise ImageError(QT_TRANSLATE_NOOP("core", "{where} must be a data: URL with base64 data "
                                           "(data:image/png;base64,…)."), where=where)
    if len(payload) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} is larger than 20 MB; send a smaller image."), name=where)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImageError(QT_TRANSLATE_NOOP("core", "{where} is not valid base64."), where=where) from None
    return image_from_bytes(data, where)


RECORDING_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}  # what OpenAI's `input_audio` carries
MAX_RECORDING_SECONDS = 20 * 60  # what a model is given at once; longer is for `chatapp transcribe`


def sniff_recording(data: bytes) -> str | None:
    """The recording's MIME type from its first bytes (the formats libmtmd's miniaudio decodes: WAV, MP3,
    FLAC), None when it is not one."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[:4] == b"fLaC":
        return "audio/flac"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def recording_seconds(data: bytes) -> float | None:
    """A recording's length from its header, without decoding it (None: not told there): a WAV's data
    size over its byte rate, a FLAC's STREAMINFO, an MP3's Xing/Info frame count or, for constant bitrate,
    its size over the first frame's bitrate."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _wav_seconds(data)
    if data[:4] == b"fLaC" and len(data) >= 26 and data[4] & 0x7F == 0:  # STREAMINFO is the first block
        rate = (data[18] << 12) | (data[19] << 4) | (data[20] >> 4)
        samples = ((data[21] & 0x0F) << 32) | int.from_bytes(data[22:26], "big")
        return samples / rate if rate and samples else None
    return _mp3_seconds(data)


def _wav_seconds(data: bytes) -> float | None:
    at, byte_rate = 12, 0
    while at + 8 <= len(data):
        kind, size = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if kind == b"fmt " and size >= 16:
            byte_rate = int.from_bytes(data[at + 16:at + 20], "little")
        elif kind == b"data":
            return min(size, len(data) - at - 8) / byte_rate if byte_rate else None
        at += 8 + size + (size & 1)
    return None


_MP3_KBPS = {3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 layer III
             2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}  # MPEG-2 and 2.5
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_seconds(data: bytes) -> float | None:
    at = 0
    if data[:3] == b"ID3" and len(data) >= 10:  # an ID3v2 tag first: its size is four 7-bit bytes
        at = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    while at + 4 <= min(len(data), 1 << 16) and not (data[at] == 0xFF and data[at + 1] & 0xE0 == 0xE0):
        at += 1
    if at + 4 > len(data):
        return None
    version, layer = (data[at + 1] >> 3) & 3, (data[at + 1] >> 1) & 3
    bitrate_index, rate_index = data[at + 2] >> 4, (data[at + 2] >> 2) & 3
    if version == 1 or layer != 1 or not 0 < bitrate_index < 15 or rate_index == 3:
        return None
    rate = _MP3_RATES[version][rate_index]
    mono = data[at + 3] >> 6 == 3
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    tag = at + 4 + side
    if data[tag:tag + 4] in (b"Xing", b"Info") and len(data) >= tag + 12 and data[tag + 7] & 1:  # frames counted
        frames = int.from_bytes(data[tag + 8:tag + 12], "big")
        return frames * (1152 if version == 3 else 576) / rate
    return (len(data) - at) * 8 / (_MP3_KBPS[3 if version == 3 else 2][bitrate_index] * 1000)


def read_recording(path: str | Path) -> Attachment:
    """A WAV, MP3 or FLAC file for a model that hears (`chatapp chat --audio`, the composer)."""
    path = Path(path)
    return recording_from_bytes(_read_file(path, QT_TRANSLATE_NOOP("core", "{name} is larger than 20 MB; send "
                                                                           "a shorter recording.")), path.name)


def recording_from_bytes(data: bytes, name: str) -> Attachment:
    """`name` says which file in the sentence when the bytes are refused."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} is larger than 20 MB; send a shorter recording."),
                         name=name)
    mime = sniff_recording(data)
    if mime is None:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} is not a recording chatapp can send (WAV, MP3 or "
                                           "FLAC)."), name=name)
    return Attachment.of(data, mime)


def recording_from_base64(payload: str, fmt: str, where: str = "the recording") -> Attachment:
    """An OpenAI `input_audio` (base64 data and its format, wav or mp3), checked before it is kept."""
    mime = RECORDING_TYPES.get(fmt)
    if mime is None:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{where}: a recording's format must be wav or mp3."), where=where)
    if len(payload) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} is larger than 20 MB; send a shorter recording."),
                         name=where)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImageError(QT_TRANSLATE_NOOP("core", "{where} is not valid base64."), where=where) from None
    if sniff_recording(data) != mime:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{where} is not a {format} recording."), where=where, format=fmt)
    return Attachment.of(data, mime)
