"""Presets: named sets of a chat's settings — system prompt, template, sampling, structured output,
tools — picked for a chat (their values become the chat's), saved from a chat, shared as JSON, and
imported from LM Studio's `.preset.json`.

A preset is a `SettingsLayer` (core/chat_settings.py) with a name: it holds only what it sets, so a
preset of a system prompt and a temperature leaves the chat's other choices alone. Built-in presets
come from resources/presets.json (named and written in each window language); the user's live in
`presets.json` in the config folder, written whole or not at all. A file that cannot be used is one
sentence, and nothing of it is kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chatapp.core.chat_settings import SettingsLayer
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.storage.settings import write_json_atomic

FORMAT = "chatapp-preset"
MAX_FILE_BYTES = 1 << 20  # a preset is a few KB; a bigger file is not one


class PresetError(KnownError):
    """A preset file that cannot be used."""


@dataclass(frozen=True)
class Preset:
    name: str
    layer: SettingsLayer
    builtin: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": FORMAT, "name": self.name}
        if self.layer.system_prompt is not None:
            data["system_prompt"] = self.layer.system_prompt
        data.update(self.layer.to_store())
        return data


def preset_from_json(data: Any, where: str) -> Preset:
    """A preset in chatapp's shape; raises PresetError naming what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"].strip():
        raise PresetError(QT_TRANSLATE_NOOP("core", "{file} is not a preset: it has no name."), file=where)
    layer, problems = SettingsLayer.from_store(data)
    if problems:
        raise PresetError(QT_TRANSLATE_NOOP("core", "{file} cannot be used as a preset: {problem}."),
                          file=where, problem=problems[0])
    prompt = data.get("system_prompt")
    if prompt is not None and not isinstance(prompt, str):
        raise PresetError(QT_TRANSLATE_NOOP("core", "{file} cannot be used as a preset: its system prompt is not "
                                            "text."), file=where)
    return Preset(data["name"].strip(), replace(layer, system_prompt=prompt))


def read_json(path: Path) -> Any:
    """A file's JSON, or one sentence saying why it cannot be read."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PresetError(QT_TRANSLATE_NOOP("core", "{file} is too large to be a preset."), file=path.name)
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PresetError(QT_TRANSLATE_NOOP("core", "{file} could not be read ({reason})."), file=path.name,
                          reason=exc.strerror or exc.__class__.__name__) from None
    except (ValueError, UnicodeDecodeError):
        raise PresetError(QT_TRANSLATE_NOOP("core", "{file} is not a preset: it is not JSON."),
                          file=path.name) from None


def import_preset(path: Path) -> tuple[Preset, list[str]]:
    """A preset file, chatapp's or LM Studio's; with LM Studio's, the fields it had that chatapp has no
    setting for (named, so the user knows what was left behind)."""
    data = read_json(path)
    if isinstance(data, dict) and data.get("format") != FORMAT and _looks_like_lmstudio(data):
        from chatapp.core.lmstudio_presets import from_lmstudio

        return from_lmstudio(data, path.name)
    return preset_from_json(data, path.name), []


def _looks_like_lmstudio(data: Mapping[str, Any]) -> bool:
    return any(key in data for key in ("operation", "load", "inference_params", "load_params", "identifier"))


def builtin_presets(path: Path, language: str = "en") -> list[Preset]:
    """The presets shipped in resources/presets.json, in `language` where they have it."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["presets"]
        presets = []
        for entry in entries:
            localized = {**entry, **entry.get(language, {})} if isinstance(entry.get(language), dict) else entry
            presets.append(replace(preset_from_json(localized, path.name), builtin=True))
        return presets
    except (OSError, ValueError, KeyError, TypeError, PresetError):
        return []


class PresetStore:
    """The user's presets (`presets.json` in the config folder), kept in the order they were made."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Preset]:
        """The saved presets; a damaged file reads as none (it is kept as it is until the next save)."""
        if not self.path.exists():
            return []
        try:
            data = read_json(self.path)
            return [preset_from_json(p, self.path.name) for p in data["presets"]]
        except (PresetError, KeyError, TypeError):
            return []

    def save(self, preset: Preset) -> None:
        """Add `preset`, or replace the one with its name."""
        kept = [p for p in self.load() if p.name.casefold() != preset.name.casefold()]
        self._write([*kept, replace(preset, builtin=False)])

    def remove(self, name: str) -> None:
        self._write([p for p in self.load() if p.name != name])

    def _write(self, presets: list[Preset]) -> None:
        write_json_atomic(self.path, {"format": FORMAT, "presets": [p.to_json() for p in presets]})


def find_preset(name: str, presets: list[Preset]) -> Preset:
    """The preset called `name` (case aside), or one sentence naming those there are."""
    for preset in presets:
        if preset.name.casefold() == name.strip().casefold():
            return preset
    raise PresetError(QT_TRANSLATE_NOOP("core", "There is no preset '{name}' (presets: {known})."), name=name,
                      known=", ".join(p.name for p in presets) or "none")


def export_preset(preset: Preset, path: Path) -> None:
    write_json_atomic(path, preset.to_json())
