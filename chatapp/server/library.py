"""The library a model server offers (`chatapp serve`, the window's API server): the models folder, the
folders added in Settings or with `chatapp models --add-folder`, the demo when it is installed, and the
user's aliases — read from the settings on each scan, so a folder or an alias added while the server runs
counts without a restart."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from chatapp.core.errors import KnownError
from chatapp.core.models.catalog import ModelCatalog, model_id
from chatapp.core.models.library import DEMO_NAME, demo_model_path
from chatapp.core.storage.paths import AppPaths
from chatapp.core.storage.settings import load_settings


def library_catalog(paths: AppPaths, pinned: Iterable[Path] = ()) -> ModelCatalog:
    """Every model a request may name; `pinned`: files given on the command line, outside the folders."""

    def folders() -> list[Path]:
        extra = load_settings(paths.settings_file).extra_model_dirs
        return [paths.models_dir, *(Path(f) for f in extra)]

    def demo() -> list[Path]:
        found = _demo()
        return [found] if found is not None else []

    def aliases() -> dict[str, str]:
        named = {DEMO_NAME: model_id(found)} if (found := _demo()) is not None else {}
        return {**named, **load_settings(paths.settings_file).aliases()}

    return ModelCatalog(folders, pinned, aliases, demo)


@functools.cache
def _demo() -> Path | None:
    """The demo's file, when its package is installed (looked up once, at the first scan)."""
    try:
        return demo_model_path()
    except KnownError:
        return None
