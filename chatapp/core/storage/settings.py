"""App-wide defaults, as JSON with a schema version, written atomically (temp file + os.replace), read
back field by field (core/storage/fields.py) so one wrong value costs only itself.

Per-conversation settings live with the conversation in the history store; these are the defaults a
new conversation starts from, plus the last model used.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, Phrase
from chatapp.core.storage.aside import copy_aside, move_aside
from chatapp.core.storage.fields import OneOf, Range, read_dataclass
from chatapp.core.types import (
    DEFAULT_MIRROR_URL,
    DEFAULT_SPECULATION,
    MODEL_SOURCE_KINDS,
    SPECULATION_MODES,
    LoadOptions,
    SamplingParams,
)

SETTINGS_VERSION = 1
log = logging.getLogger(__name__)


LANGUAGES = ("system", "en", "zh_CN")  # the window's: services/i18n.py names them
THEMES = ("system", "light", "dark")  # ui/theme.py


@dataclass(frozen=True)
class ModelAlias:
    """A name a client hard-codes ("gpt-4o-mini", "llama3") for a library model's id (`chatapp models alias`)."""

    name: str = ""
    model: str = ""


@dataclass(frozen=True)
class AppSettings:
    sampling: SamplingParams = field(default_factory=SamplingParams)
    load: LoadOptions = field(default_factory=LoadOptions)
    template: str = "auto"  # "auto", a preset name, or "custom"
    custom_template: str = ""
    system_prompt: str = ""
    last_model: str = ""
    extra_model_dirs: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()  # saved OpenAI-compatible servers' addresses (their keys: the keyring)
    api_server: bool = False  # the window's local API server, restored on start
    api_port: Annotated[int, Range(0, 65535)] = 8080
    speculative: Annotated[str, OneOf(SPECULATION_MODES)] = DEFAULT_SPECULATION  # core/speculative.py's modes
    draft_model: str = ""  # the draft model file for mode "draft"
    language: Annotated[str, OneOf(LANGUAGES)] = "system"  # the window's language (services/i18n.py)
    theme: Annotated[str, OneOf(THEMES)] = "system"  # ui/theme.py
    model_aliases: tuple[ModelAlias, ...] = ()  # names API requests may use for library models
    # The model server (the window's, and `chatapp serve`'s defaults): models kept loaded at once (0: as
    # many as memory holds), and seconds a model nobody uses stays loaded (0: until unloaded).
    api_max_models: Annotated[int, Range(0, 64)] = 0
    api_idle_unload: Annotated[int, Range(0, 7 * 24 * 3600)] = 15 * 60
    start_at_login: bool = False  # services/autostart.py: minimized to the tray, serving
    # Where models are searched for and downloaded from (Settings → Downloads; core/models/sources.py):
    # "" until the user chooses (Hugging Face meanwhile), then hf, mirror (at model_mirror) or modelscope.
    model_source: Annotated[str, OneOf(("", *MODEL_SOURCE_KINDS))] = ""
    model_mirror: str = DEFAULT_MIRROR_URL
    token_view: bool = False  # View → keep how each token is chosen: replies written meanwhile can show it
    folded_projects: tuple[str, ...] = ()  # the sidebar's projects shown folded (their chats hidden)
    # Voice (Settings → Voice; chatapp/voice/): devices by name ("": the system's default), the voice and
    # speech model by name ("": the demo's), the speed replies are read at, the language spoken ("": detected).
    voice_input_device: str = ""
    voice_output_device: str = ""
    voice_name: str = ""
    voice_speed: Annotated[float, Range(0.5, 2.0)] = 1.0
    voice_transcriber: str = ""
    voice_language: str = ""

    def aliases(self) -> dict[str, str]:
        """Alias → model, as the model catalog reads them."""
        return {a.name: a.model for a in self.model_aliases if a.name and a.model}

    def with_changes(self, **changes: Any) -> AppSettings:
        return replace(self, **changes)


@dataclass(frozen=True)
class LoadedSettings:
    settings: AppSettings
    notice: KnownError | None = None  # one sentence for the window when something was dropped or set aside


def load_settings(path: Path) -> AppSettings:
    """The settings; what is wrong in the file is logged and falls back to defaults, never fatal."""
    return read_settings(path).settings


def read_settings(path: Path) -> LoadedSettings:
    """Read field by field: a wrong field falls back alone (a copy of the file is kept before the next
    save rewrites it); a file that cannot be used at all is renamed `settings.json.unreadable-<time>`."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return LoadedSettings(AppSettings())
    except PermissionError as exc:  # cannot be read, so cannot be renamed either: defaults for this run
        log.warning("settings %s cannot be read (%s); using defaults", path, exc)
        return LoadedSettings(AppSettings(), KnownError(QT_TRANSLATE_NOOP(
            "core", "Your settings file {path} cannot be read ({reason}); chatapp uses its defaults."),
            path=path, reason=exc.strerror))
    except (OSError, ValueError) as exc:  # not UTF-8, not JSON, a folder...
        return _set_aside(path, Phrase(QT_TRANSLATE_NOOP("core", "it is not valid JSON ({reason})"), reason=exc))
    if not isinstance(data, dict):
        return _set_aside(path, Phrase(QT_TRANSLATE_NOOP("core", "it holds {kind}, not an object"),
                                       kind=type(data).__name__ if data is not None else "null"))
    version = data.get("version", 0)
    if isinstance(version, int) and version > SETTINGS_VERSION:
        log.warning("settings %s are from a newer chatapp (version %s); reading what this one knows", path, version)
    settings, problems = read_dataclass(AppSettings, {k: v for k, v in data.items() if k != "version"})
    if not problems:
        return LoadedSettings(settings)
    for problem in problems:
        log.warning("settings %s: %s", path, problem)
    try:
        copy = copy_aside(path, "invalid").name
    except OSError:
        copy = None
    names = ", ".join(p.split(":", 1)[0] for p in problems)
    if copy is None:
        return LoadedSettings(settings, KnownError(QT_TRANSLATE_NOOP(
            "core", "Some settings were not valid and are back to their defaults: {names}."), names=names))
    return LoadedSettings(settings, KnownError(QT_TRANSLATE_NOOP(
        "core", "Some settings were not valid and are back to their defaults: {names} (the file as it was is kept "
        "as {copy})."), names=names, copy=copy))


def _set_aside(path: Path, why: Phrase) -> LoadedSettings:
    try:
        aside = move_aside(path)
    except OSError as exc:
        log.warning("settings %s unusable (%s) and cannot be moved (%s); using defaults", path, why, exc)
        return LoadedSettings(AppSettings(), KnownError(QT_TRANSLATE_NOOP(
            "core", "Your settings file {path} cannot be used ({why}); chatapp uses its defaults."),
            path=path, why=why))
    log.warning("settings %s unusable (%s); moved to %s, using defaults", path, why, aside.name)
    return LoadedSettings(AppSettings(), KnownError(QT_TRANSLATE_NOOP(
        "core", "Your settings file could not be used ({why}); it was moved to {aside} and the defaults are in use. "
        "Nothing was deleted."), why=why, aside=aside.name))


def save_settings(path: Path, settings: AppSettings) -> None:
    write_json_atomic(path, {"version": SETTINGS_VERSION, **asdict(settings)})


def write_json_atomic(path: Path, data: object) -> None:
    """`data` as JSON at `path`, all or nothing: a temp file beside it, then os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
