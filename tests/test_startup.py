"""What the window costs before it is on screen: in a fresh process, the modules the first screen does not
use — the MCP SDK, pydantic, the keyring, the documents indexer, llama.cpp, the HTTP server and the
hub — are not imported until the window has been shown (each cost tens to hundreds of milliseconds of
start-up; docs/benchmarks.md, "Window"). An mcp.json with a server is read, and a damaged one said,
once the window is up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, sys
from PySide6.QtWidgets import QApplication
from chatapp.app import App
from chatapp.core.storage.paths import default_paths

LATER = ("mcp", "pydantic", "keyring", "chatapp.documents.indexer", "llama_cpp", "uvicorn", "starlette",
         "huggingface_hub", "openai")
app = QApplication([])
chat_app = App(default_paths())
chat_app.window.show()
while not chat_app.window.windowHandle() or not chat_app.window.windowHandle().isExposed():
    app.processEvents()
before = [name for name in LATER if name in sys.modules]
for _ in range(20):  # the event loop's first turns: what was put off until the window showed
    app.processEvents()
menu = chat_app.window.chat_tools.button
menu.aboutToOpen.emit()
servers = [a.text() for a in menu.menu_.actions() if a.isCheckable() and a is not menu.required]
print(json.dumps({"before": before, "servers": servers, "pydantic_after": "pydantic" in sys.modules}))
chat_app.window.close()
chat_app.close()
"""


def _start(tmp_path: Path, mcp_json: str) -> dict[str, object]:
    config = tmp_path / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "mcp.json").write_text(mcp_json, encoding="utf-8")
    env = {**os.environ, "CHATAPP_DATA_DIR": str(tmp_path / "data"), "CHATAPP_CONFIG_DIR": str(config),
           "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_window_shows_before_what_it_does_not_need_is_imported(tmp_path: Path) -> None:
    seen = _start(tmp_path, json.dumps({"mcpServers": {"weather": {"command": sys.executable, "args": ["x.py"]}}}))
    assert seen["before"] == [], f"imported before the window was shown: {seen['before']}"
    assert seen["servers"] == ["weather"] and seen["pydantic_after"] is True  # read once the window was up
