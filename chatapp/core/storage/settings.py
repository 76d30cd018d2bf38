"""App-wide defaults, as JSON with a schema version, written atomically (temp file + os.replace).

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
from typing import Any

from chatapp.core.errors import SettingsError
from chatapp.core.types import DEFAULT_SPECULATION, SPECULATION_MODES, LoadOptions, SamplingParams

SETTINGS_VERSION = 1
log = logging.getLogger(__name__)


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
    api_port: int = 8080
    speculative: str = DEFAULT_SPECULATION  # core/speculative.py's modes
    draft_model: str = ""  # the draft model file for mode "draft"
    language: str = "system"  # the window's language: "system", "en" or "zh_CN" (services/i18n.py)
    theme: str = "system"  # "system", "light" or "dark" (ui/theme.py)

    def with_changes(self, **changes: Any) -> AppSettings:
        return replace(self, **changes)


def load_settings(path: Path) -> AppSettings:
    """Defaults when missing; a damaged or invalid file is logged and replaced by defaults, never fatal."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if int(data.get("version", 0)) > SETTINGS_VERSION:
            log.warning("settings %s are from a newer chatapp; using defaults without overwriting", path)
            return AppSettings()
        return AppSettings(
            sampling=SamplingParams(**data.get("sampling", {})),
            load=LoadOptions(**data.get("load", {})),
            template=str(data.get("template", "auto")),
            custom_template=str(data.get("custom_template", "")),
            system_prompt=str(data.get("system_prompt", "")),
            last_model=str(data.get("last_model", "")),
            extra_model_dirs=tuple(data.get("extra_model_dirs", ())),
            servers=tuple(str(u) for u in data.get("servers", ())),
            api_server=bool(data.get("api_server", False)),
            api_port=int(data.get("api_port", 8080)),
            speculative=data["speculative"] if data.get("speculative") in SPECULATION_MODES else DEFAULT_SPECULATION,
            draft_model=str(data.get("draft_model", "")),
            language=str(data.get("language", "system")),
            theme=data["theme"] if data.get("theme") in ("system", "light", "dark") else "system",
        )
    except FileNotFoundError:
        return AppSettings()
    except (OSError, ValueError, TypeError, SettingsError) as exc:
        log.warning("settings %s unreadable (%s); using defaults", path, exc)
        return AppSettings()


def save_settings(path: Path, settings: AppSettings) -> None:
    data = {"version": SETTINGS_VERSION, **asdict(settings)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
