"""API keys in the system keyring (the `keyring` package: macOS Keychain, Windows Credential Locker,
Secret Service on Linux), never in settings.json.

Where no keyring is available (a headless Linux session without a Secret Service), a key is kept in
memory for this run only, and `get_key(...).persisted` says so, so the window can tell the user.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
SERVICE = "chatapp"
_session_only: dict[str, str] = {}


@dataclass(frozen=True)
class StoredKey:
    value: str
    persisted: bool  # False: kept in memory only (no keyring on this system)


def _keyring() -> Any:
    import keyring

    return keyring


def set_key(name: str, value: str) -> bool:
    """Store (or, with an empty value, forget) the key called `name`; True if the keyring kept it."""
    _session_only.pop(name, None)
    try:
        kr = _keyring()
        if value:
            kr.set_password(SERVICE, name, value)
        else:
            with contextlib.suppress(kr.errors.PasswordDeleteError):
                kr.delete_password(SERVICE, name)
        return True
    except Exception as exc:  # noqa: BLE001 - any keyring backend failure means "not persisted"
        log.info("no usable keyring (%s); keeping %s for this session only", exc, name)
        if value:
            _session_only[name] = value
        return False


def get_key(name: str) -> StoredKey:
    if name in _session_only:
        return StoredKey(_session_only[name], persisted=False)
    try:
        value = _keyring().get_password(SERVICE, name)
    except Exception as exc:  # noqa: BLE001
        log.info("no usable keyring (%s)", exc)
        value = None
    return StoredKey(value or "", persisted=value is not None)
