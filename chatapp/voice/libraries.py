"""The voice libraries are optional (`pip install "chatapp[voice]"`): imported on first use, and their
absence is one sentence that says how to install them."""

from __future__ import annotations

import importlib
from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError


def require(module: str) -> Any:
    """The module, or a KnownError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise KnownError(QT_TRANSLATE_NOOP("core", "Voice needs libraries that are not installed ({module}); "
                                                    "install them with: pip install \"chatapp[voice]\""),
                         module=module) from exc
