"""The window and model sources (pytest-qt, the real App against the fake hub, mirror and ModelScope):
Settings → Downloads changes where the model manager searches; under a Chinese locale the manager
first offers a mirror or ModelScope; a source that does not answer gets the same offer; the choice is
remembered in settings.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_hub import FakeFile, FakeHub, FakeRepo
from fake_modelscope import FakeModelScope
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

from chatapp.app import App
from chatapp.core.storage.paths import default_paths

REPO = "acme/Tiny-Chat-GGUF"


@pytest.fixture
def chat_app(qtbot) -> App:
    app = App(default_paths())
    qtbot.addWidget(app.window)
    app.window.show()
    yield app
    app.window.close()
    app.close()


def _on_label(button: QWidget) -> QPoint:
    """A point on a radio button's indicator and text (its widget may be wider than they are)."""
    return QPoint(8, button.height() // 2)


def _saved(key: str) -> str:
    return json.loads(default_paths().settings_file.read_text())[key]


def test_switching_the_source_in_settings_changes_where_the_manager_searches(
        qtbot, chat_app: App, hub: FakeHub, modelscope: FakeModelScope, tiny_model: Path) -> None:
    modelscope.add_repo(FakeRepo(REPO, {"tiny-chat-Q4_K_M.gguf": FakeFile(tiny_model.read_bytes())}, downloads=77))
    manager = chat_app.window.open_model_manager()
    assert "Hugging Face" in manager.source_label.text()
    everywhere = manager.results.count()

    dialog = chat_app.window.open_app_settings("downloads")
    box = chat_app.window.sections.source_box
    assert dialog.stack.currentWidget().isAncestorOf(box)  # the Downloads page
    with qtbot.waitSignal(chat_app.models.sourceChanged):
        qtbot.mouseClick(box.modelscope, Qt.MouseButton.LeftButton, pos=_on_label(box.modelscope))
    assert _saved("model_source") == "modelscope"
    assert "ModelScope" in manager.source_label.text() and "ModelScope" in manager.search_box.placeholderText()
    # The recommended list now holds what ModelScope carries, under ModelScope's names.
    assert 0 < manager.results.count() < everywhere
    ids = {manager.results.item(i).data(Qt.ItemDataRole.UserRole) for i in range(manager.results.count())}
    assert "Shanghai_AI_Laboratory/internlm3-8b-instruct-gguf" in ids

    manager.search_box.setText("tiny")
    with qtbot.waitSignal(chat_app.models.searchDone, timeout=10_000):
        qtbot.keyClick(manager.search_box, Qt.Key.Key_Return)
    assert manager.results.count() == 1 and "77 downloads" in manager.results.item(0).text()
    assert any(p.startswith("/openapi/v1/models") for _, p, _ in modelscope.requests)
    assert not any(p.startswith("/api/models") for _, p, _ in hub.requests)  # Hugging Face was not asked
    with qtbot.waitSignal(chat_app.models.filesListed, timeout=10_000):
        manager.results.setCurrentRow(0)
    assert manager.files.rowCount() == 1 and manager.files.item(0, 1).text() == "Q4_K_M"

    # A mirror's address typed in Settings: a bad one is one sentence and changes nothing.
    box.mirror_url.setText("hf-mirror")
    qtbot.mouseClick(box.mirror, Qt.MouseButton.LeftButton, pos=_on_label(box.mirror))
    assert box.problem.isVisible() and "not a mirror's address" in box.problem.text()
    assert chat_app.models.source.kind == "modelscope"


def test_under_a_chinese_locale_the_manager_first_offers_a_mirror_or_modelscope(
        qtbot, chat_app: App, modelscope: FakeModelScope) -> None:
    chat_app.models.source_chosen = False
    chat_app.models.suggest_on_first_use = True  # what App sets for a zh_CN system locale
    manager = chat_app.window.open_model_manager()
    assert manager.suggestion.isVisible() and "mainland China" in manager.suggestion.text.text()
    assert manager.suggestion.use_mirror.text() == "Use hf-mirror.com"
    # Enter in the search box searches (the fake hub: nothing), and picks no source nor opens Settings.
    manager.search_box.setText("nothing-here")
    with qtbot.waitSignal(chat_app.models.searchDone, timeout=10_000):
        qtbot.keyClick(manager.search_box, Qt.Key.Key_Return)
    assert chat_app.models.source.kind == "hf" and not chat_app.models.source_chosen
    assert manager.suggestion.isVisible() and not chat_app.window.app_settings_dialog.isVisible()
    with qtbot.waitSignal(chat_app.models.sourceChanged):
        qtbot.mouseClick(manager.suggestion.use_modelscope, Qt.MouseButton.LeftButton)
    assert not manager.suggestion.isVisible() and chat_app.models.source.kind == "modelscope"
    assert _saved("model_source") == "modelscope"
    assert chat_app.window.sections.source_box.modelscope.isChecked()  # Settings shows the choice


def test_the_choice_is_not_offered_again_once_made(qtbot, tmp_path: Path) -> None:
    paths = default_paths()
    paths.settings_file.parent.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(json.dumps({"version": 1, "model_source": "hf"}))
    app = App(paths)
    qtbot.addWidget(app.window)
    app.models.suggest_on_first_use = True
    try:
        assert not app.window.open_model_manager().suggestion.isVisible()
    finally:
        app.window.close()
        app.close()


def test_a_source_that_does_not_answer_gets_the_offer_and_the_listing_line_is_not_left_hanging(
        qtbot, chat_app: App, hub: FakeHub, mirror_hub: FakeHub, tiny_model: Path) -> None:
    hub.add_repo(FakeRepo(REPO, {"tiny-chat-Q4_K_M.gguf": FakeFile(tiny_model.read_bytes())}))
    mirror_hub.add_repo(FakeRepo(REPO, {"tiny-chat-Q4_K_M.gguf": FakeFile(tiny_model.read_bytes())}))
    hub.faults.answer_delay_s = 2.0
    chat_app.models.slow_after_s = 0.3
    manager = chat_app.window.open_model_manager()
    manager.search_box.setText("tiny")
    with qtbot.waitSignal(chat_app.models.sourceSlow, timeout=5_000):
        qtbot.keyClick(manager.search_box, Qt.Key.Key_Return)
    assert manager.suggestion.isVisible() and "Hugging Face is not answering" in manager.suggestion.text.text()
    assert manager.suggestion.keep.text() == "Keep Hugging Face"
    # Taking the mirror (here: the fake one) searches again there at once.
    with qtbot.waitSignal(chat_app.models.searchDone, timeout=10_000):
        manager.suggestion.chosen.emit(chat_app.models.source.__class__("mirror", mirror_hub.url))
    assert "127.0.0.1" in manager.source_label.text() and manager.results.count() == 1
    assert _saved("model_source") == "mirror" and _saved("model_mirror") == mirror_hub.url


def test_an_unreachable_source_ends_the_listing_line_and_offers_another(qtbot, chat_app: App) -> None:
    from local_ports import free_port

    from chatapp.core.models.sources import mirror

    chat_app.models.set_source(mirror(f"http://127.0.0.1:{free_port()}"))
    manager = chat_app.window.open_model_manager()
    with qtbot.waitSignal(chat_app.models.failed, timeout=10_000):
        manager.results.setCurrentRow(0)
    assert "cannot be reached" in manager.status.text() and "Settings → Downloads" in manager.status.text()
    assert "listing files" not in manager.repo_label.text()
    qtbot.waitUntil(manager.suggestion.isVisible)
    assert not manager.suggestion.use_mirror.isVisible() and manager.suggestion.use_modelscope.isVisible()
