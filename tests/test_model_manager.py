"""The model manager window against the fake hub: search, download with a moving progress bar, load."""

from __future__ import annotations

from pathlib import Path

from fake_hub import FakeFile, FakeHub, FakeRepo
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from chatapp.app import App
from chatapp.core.storage.paths import default_paths


def test_search_download_and_load(qtbot, hub: FakeHub, tiny_eos_model: Path) -> None:
    hub.add_repo(FakeRepo("acme/Tiny-Chat-GGUF", {"tiny-chat-Q4_K_M.gguf": FakeFile(tiny_eos_model.read_bytes())},
                          downloads=42))
    hub.faults.delay_per_chunk_s = 0.15  # three 1 MiB chunks: the bar has time to move
    chat_app = App(default_paths())
    qtbot.addWidget(chat_app.window)
    chat_app.window.show()
    manager = chat_app.window.open_model_manager()
    assert manager.results.count() == len(chat_app.window.catalogue) > 0  # recommended models first

    manager.search_box.setText("tiny")
    with qtbot.waitSignal(chat_app.models.searchDone, timeout=10_000):
        qtbot.keyClick(manager.search_box, Qt.Key.Key_Return)
    assert manager.results.count() == 1
    assert "acme/Tiny-Chat-GGUF" in manager.results.item(0).text() and "42 downloads" in manager.results.item(0).text()

    with qtbot.waitSignal(chat_app.models.filesListed, timeout=10_000):
        manager.results.setCurrentRow(0)
    assert manager.files.rowCount() == 1
    assert [manager.files.item(0, c).text() for c in (1, 3)] == ["Q4_K_M", "fits"]

    bar = manager.progress_bars["acme/Tiny-Chat-GGUF/tiny-chat-Q4_K_M.gguf"]
    seen: list[int] = []
    bar.valueChanged.connect(seen.append)
    button = manager.files.cellWidget(0, 4).findChild(QPushButton)
    with qtbot.waitSignal(chat_app.models.libraryChanged, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert any(0 < v < 1000 for v in seen) and seen[-1] == 1000  # it moved, then finished
    assert "verified" in manager.status.text()
    assert manager.library.rowCount() == 1
    assert manager.library.item(0, 0).text() == "tiny-chat-Q4_K_M.gguf"

    manager.library.selectRow(0)
    with qtbot.waitSignal(chat_app.inference.modelLoaded, timeout=30_000):
        qtbot.mouseClick(manager.load_button, Qt.MouseButton.LeftButton)
    assert "tiny-chat-Q4_K_M.gguf" in chat_app.inference.summary.path
    chat_app.window.close()
    chat_app.close()
