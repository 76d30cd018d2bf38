"""The sound devices PortAudio sees, by name, for Settings → Voice (none when PortAudio is missing)."""

from __future__ import annotations


def input_devices() -> list[str]:
    return _devices("max_input_channels")


def output_devices() -> list[str]:
    return _devices("max_output_channels")


def _devices(channels: str) -> list[str]:
    try:
        import sounddevice

        return [str(d["name"]) for d in sounddevice.query_devices() if d.get(channels, 0) > 0]
    except Exception:  # noqa: BLE001  (no PortAudio: an ImportError or OSError; a broken one: its own error)
        return []
