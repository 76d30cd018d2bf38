"""Start chatapp when the user logs in, minimized to the tray (Settings → Local API server → "Start when I log
in"), the way each desktop expects it: an XDG autostart entry on Linux, a LaunchAgent on macOS, the Run
key on Windows. What is written is the command that started this chatapp (the installed executable, or
this Python with `-m chatapp`) with `--minimized`; turning it off removes exactly that entry.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import sys
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError

ENTRY = "chatapp"
MAC_LABEL = "io.github.chatapp.chatapp"


def command() -> list[str]:
    """How to start this chatapp in the tray."""
    if getattr(sys, "frozen", False):  # the installed app (PyInstaller)
        return [sys.executable, "--minimized"]
    return [sys.executable, "-m", "chatapp", "--minimized"]


def entry_path() -> Path:
    """Where the entry lives on this system (Windows: the registry; this path is unused there)."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{MAC_LABEL}.plist"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart" / f"{ENTRY}.desktop"


def is_enabled() -> bool:
    if sys.platform == "win32":
        return _windows_value() is not None
    return entry_path().exists()


def set_enabled(on: bool) -> None:
    """Add or remove the entry; one sentence if the system refuses."""
    try:
        if sys.platform == "win32":
            _windows_set(on)
        elif on:
            _write(entry_path(), _mac_plist() if sys.platform == "darwin" else _desktop_entry())
        else:
            entry_path().unlink(missing_ok=True)
    except OSError as exc:
        raise KnownError(QT_TRANSLATE_NOOP("core", "chatapp could not change what starts when you log in: {reason}."),
                         reason=exc.strerror or exc) from None


def _desktop_entry() -> bytes:
    exec_line = " ".join(_desktop_quote(arg) for arg in command())
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=chatapp\n"
        "Comment=Local LLM chat, serving from the tray\n"
        f"Exec={exec_line}\n"
        "Icon=chatapp\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    ).encode()


def _desktop_quote(arg: str) -> str:
    """An Exec argument, quoted as the Desktop Entry Specification says."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`%'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg).replace("%", "%%")
    return f'"{escaped}"'


def _mac_plist() -> bytes:
    return plistlib.dumps({"Label": MAC_LABEL, "ProgramArguments": command(), "RunAtLoad": True,
                           "ProcessType": "Interactive"})


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"

if sys.platform == "win32":  # pragma: no cover - Windows only
    import subprocess
    import winreg

    def _windows_value() -> str | None:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
                return str(winreg.QueryValueEx(key, ENTRY)[0])
        except OSError:
            return None

    def _windows_set(on: bool) -> None:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            if on:
                winreg.SetValueEx(key, ENTRY, 0, winreg.REG_SZ, subprocess.list2cmdline(command()))
            else:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, ENTRY)
else:
    def _windows_value() -> str | None:
        return None

    def _windows_set(on: bool) -> None:
        raise OSError("the Run key exists only on Windows")
