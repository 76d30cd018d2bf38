"""Where chatapp keeps its files: platformdirs locations, overridable for tests and portable installs."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "chatapp"
RESOURCES = Path(__file__).resolve().parents[3] / "resources"


def resource_path(name: str) -> Path:
    """resources/ next to the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    return (Path(bundle) / "resources" / name) if bundle else RESOURCES / name


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def database(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "chatapp.log"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    def ensure(self) -> None:
        for d in (self.data_dir, self.config_dir, self.models_dir, self.log_file.parent):
            d.mkdir(parents=True, exist_ok=True)


def default_paths() -> AppPaths:
    """platformdirs user dirs, unless CHATAPP_DATA_DIR / CHATAPP_CONFIG_DIR say otherwise."""
    data = os.environ.get("CHATAPP_DATA_DIR") or platformdirs.user_data_dir(APP_NAME, appauthor=False)
    config = os.environ.get("CHATAPP_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME, appauthor=False)
    return AppPaths(Path(data), Path(config))
