"""Documents in the window: collections indexed on their own thread, paused and resumed, folders
watched, and a chat that answers from a collection and shows its sources."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from test_gui import LOAD_TIMEOUT_MS, app, load, send  # noqa: F401 - `app` is a fixture

from chatapp.app import App
from chatapp.core.storage.history import HistoryStore
from chatapp.core.storage.paths import default_paths
from chatapp.documents.indexer import ScanReport
from chatapp.services.documents_service import DocumentsService
from chatapp.ui.documents_dialog import CollectionsDialog

INDEX_TIMEOUT_MS = 120_000


def test_a_chat_answers_from_a_collection_and_shows_its_sources(qtbot, app: App, instruct_model: Path,  # noqa: F811
                                                                builtin_embedding_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "falcon.md").write_text("# Falcon\n\nThe Falcon project budget for 2024 was 3.2 million euros.")
    (folder / "pasta.txt").write_text("Boil the pasta for nine minutes in salted water.")
    app.start(None)
    dialog = app.window.chat_documents.open_collections()
    assert dialog is not None
    with qtbot.waitSignal(app.documents.indexed, timeout=INDEX_TIMEOUT_MS) as indexed:
        dialog.start_indexing("work", [folder])
    assert indexed.args[1].added == 2
    qtbot.waitUntil(lambda: dialog.table.topLevelItemCount() == 1)
    row = dialog.table.topLevelItem(0)
    assert (row.text(0), row.text(1)) == ("work", "2")
    assert "2 added" in dialog.status.text()
    dialog.accept()

    load(qtbot, app, instruct_model)
    button = app.window.chat_documents.button
    button.menu_.aboutToShow.emit()
    [action] = [a for a in button.menu_.actions() if a.text() == "work"]
    action.trigger()
    assert button.text() == "Documents: work"
    with qtbot.waitSignal(app.session.replyFinished, timeout=LOAD_TIMEOUT_MS):
        send(qtbot, app, "What was the Falcon budget for 2024?")
    reply = app.window.chat.widgets[app.session.path[-1].id]
    assert not reply.sources_label.isHidden()
    assert "[1] falcon.md" in reply.sources_label.text() and "file://" in reply.sources_label.text()
    assert "excerpts found in" in reply.stats_label.text()

    conversation = app.session.conversation
    assert conversation is not None and conversation.settings["documents"] == ["work"]
    stored = HistoryStore(default_paths().database).active_path(conversation.id)
    assert stored[0].content == "What was the Falcon budget for 2024?"  # the excerpts were for that turn
    assert Path(stored[1].stats["sources"][0]["path"]).name == "falcon.md"

    with qtbot.waitSignal(app.inference.previewReady, timeout=10_000) as preview:
        app.session.request_preview(app.session.settings(), "How long does the pasta boil?")
    assert "nine minutes" in preview.args[0].text and "[1] pasta.txt" in preview.args[0].text


def test_indexing_pauses_resumes_and_follows_a_watched_folder(qtbot, app: App,  # noqa: F811
                                                              builtin_embedding_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    paragraph = " ".join(f"Sentence {j} about the harbour, the ferry and the weather." for j in range(20))
    for i in range(8):
        (folder / f"note_{i}.txt").write_text("\n\n".join(f"Note {i}, part {k}. {paragraph}" for k in range(6)))
    app.start(None)
    service = app.documents
    assert service is not None
    def pause_after_one_file(_name: str, progress) -> None:
        if progress.files_done >= 1:
            service.pause()

    service.progress.connect(pause_after_one_file)
    # (The start-up catch-up re-scan runs 3 s after start and may report too: each wait names what it expects.)
    with qtbot.waitSignal(service.indexed, timeout=INDEX_TIMEOUT_MS,
                          check_params_cb=lambda _name, report: report.cancelled) as first:
        service.add("notes", [folder])
    assert first.args[1].cancelled and first.args[1].added < 8
    service.progress.disconnect(pause_after_one_file)
    with qtbot.waitSignal(service.indexed, timeout=INDEX_TIMEOUT_MS,
                          check_params_cb=lambda _name, report: not report.cancelled and report.added) as resumed:
        service.rescan("notes")
    assert not resumed.args[1].cancelled
    assert resumed.args[1].added == 8 - first.args[1].added and resumed.args[1].unchanged == first.args[1].added

    service.watch()
    with qtbot.waitSignal(service.indexed, timeout=INDEX_TIMEOUT_MS,
                          check_params_cb=lambda _name, report: report.updated > 0) as followed:
        # Saved the way editors save (a new file renamed over the old one): the start-up catch-up re-scan may
        # be reading the folder at this moment, and a file truncated and then written could be read empty.
        edited = tmp_path / "note_3.new"
        edited.write_text("Note 3 now says the ferry is cancelled until May.")
        os.replace(edited, folder / "note_3.txt")
    assert (followed.args[1].updated, followed.args[1].added) == (1, 0)
    # Words only the edit has: the keyword ranking puts it first, whatever the vectors' last bits (which
    # differ between CPU kernels) say about 47 near-identical chunks.
    assert "cancelled until May" in service.documents.search(["notes"], "cancelled until May", top=1).hits[0].text


def test_a_collection_its_model_cannot_read_says_so_and_is_re_indexed_with_another_model(
        qtbot, app: App, builtin_embedding_model: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    import shutil

    from PySide6.QtWidgets import QInputDialog

    from chatapp.documents.collections import embedding_models_dir

    folder = tmp_path / "zh"
    folder.mkdir()
    (folder / "rag.md").write_text("# 知识库问答\n\n检索增强生成让模型先查资料再回答，并注明出处。", encoding="utf-8")
    (folder / "quant.md").write_text("# 量化\n\n量化把权重存成更少的位数，显存占用随之下降。", encoding="utf-8")
    app.start(None)
    dialog = app.window.chat_documents.open_collections()
    assert dialog is not None
    with qtbot.waitSignal(app.documents.indexed, timeout=INDEX_TIMEOUT_MS):
        dialog.start_indexing("zh", [folder])
    assert "reads as unknown words" in dialog.status.text() and "multilingual" in dialog.status.text()

    other = embedding_models_dir(default_paths()) / "multilingual-copy.gguf"
    shutil.copyfile(builtin_embedding_model, other)  # another file is another model to chatapp
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: (other.name, True))
    dialog.table.topLevelItem(0).setSelected(True)
    assert dialog.model_button.isEnabled()
    with qtbot.waitSignal(app.documents.indexed, timeout=INDEX_TIMEOUT_MS) as indexed:
        qtbot.mouseClick(dialog.model_button, Qt.MouseButton.LeftButton)
    assert indexed.args[1].added == 2
    [collection] = app.documents.collections()
    assert Path(collection.embedding_model).name == "multilingual-copy.gguf"
    assert collection.files == 2


def test_an_indexing_result_that_reaches_the_dialog_after_shutdown_is_shown_without_reading_the_index(
        qtbot) -> None:
    # On a busy machine the start-up re-scan's result was still queued for the open dialog when the window
    # closed; the dialog then read the closed index ("Cannot operate on a closed database").
    service = DocumentsService(default_paths())
    dialog = CollectionsDialog(service)
    qtbot.addWidget(dialog)
    service.shutdown()
    service.indexed.emit("work", ScanReport(added=2))  # as the queued signal is delivered
    assert "work: 2 added" in dialog.status.text()
    assert service.reading("work") == (None, None)
