"""The sound library (sounddevice, over PortAudio) and the devices it sees, by name, for Settings → Voice
(none when PortAudio is missing)."""

from __future__ import annotations

from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.voice.libraries import require


class NoSoundLibrary(KnownError):
    """PortAudio, which sounddevice records and plays through, is not installed (no device can help)."""


def sound_library() -> Any:
    """sounddevice; NoSoundLibrary when the PortAudio library is missing (sounddevice raises OSError on
    import then: the Linux tarball's case, PortAudio being the system's), the extra's sentence when
    sounddevice itself is."""
    try:
        import sounddevice
    except OSError as exc:
        raise NoSoundLibrary(QT_TRANSLATE_NOOP(
            "core", "Sound needs the PortAudio library, which is not installed here (on Linux, the "
                    "libportaudio2 package).")) from exc
    except ImportError:
        return require("sounddevice")
    return sounddevice


def input_devices() -> list[str]:
    return _devices("max_input_channels")


def output_devices() -> list[str]:
    return _devices("max_output_channels")


def _devices(channels: str) -> list[str]:
    try:
        return [str(d["name"]) for d in sound_library().query_devices() if d.get(channels, 0) > 0]
    except Exception:  # noqa: BLE001  (no PortAudio or no sounddevice: a KnownError; a broken one: its own error)
        return []
