"""Projects: chats that share instructions and settings (history schema 9; the settings layer between the
app's defaults and each chat's own), on the real App, SQLite and the demo model."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from test_gui import LOAD_TIMEOUT_MS, app, load, send  # noqa: F401  (the fixture)

from chatapp.app import App
from chatapp.core.models.library import demo_model_path
from chatapp.core.storage.history import HistoryStore


def test_a_chat_in_a_project_takes_its_instructions_and_settings(qtbot, app: App) -> None:  # noqa: F811
    store = app.session.store
    project = store.create_project("Pirates", "Answer as a pirate would.",
                                   {"temperature": 0.3, "documents": ["handbook"]})
    app.session.new_conversation(project.id)
    settings = app.session.settings()
    assert settings.system_prompt == "Answer as a pirate would."
    assert settings.sampling.temperature == 0.3 and settings.documents == ("handbook",)

    load(qtbot, app, demo_model_path())
    with qtbot.waitSignal(app.inference.previewReady, timeout=10_000) as preview:
        app.session.request_preview(app.session.settings(), "Hello")
    assert "Answer as a pirate would." in preview.args[0].text  # the prompt the model gets

    assert app.session.documents() == ["handbook"]  # the chat's collections come from the project
    app.window.settings_panel.max_tokens.setValue(8)
    app.window.settings_panel.flush()
    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        send(qtbot, app, "Hello")
    conversation = app.session.conversation
    assert conversation is not None and conversation.project_id == project.id
    assert HistoryStore(store.path).conversation(conversation.id).project_id == project.id  # on disk

    store.update_project(project.id, instructions="Answer as a poet would.")
    assert app.session.settings().system_prompt == "Answer as a poet would."  # the project's change reaches it
    panel = app.window.settings_panel
    panel.temperature.setValue(0.9)  # the chat's own temperature...
    panel.flush()
    assert app.session.settings().sampling.temperature == 0.9
    panel.temperature.setValue(0.3)  # ...set back to the project's value: the chat follows it again
    panel.flush()
    assert app.session.settings().sampling.temperature == 0.3

    store.move_conversation(conversation.id, None)
    app.session.open_conversation(conversation.id)
    assert app.session.settings().system_prompt != "Answer as a poet would."  # out of the project

    store.move_conversation(conversation.id, project.id)
    store.delete_project(project.id)
    assert store.conversation(conversation.id).project_id is None  # the chat stays
    assert [p.name for p in store.projects()] == []


def test_the_sidebar_groups_chats_under_projects(qtbot, app: App) -> None:  # noqa: F811
    from chatapp.ui.chat_list import ID_ROLE, PROJECT_ROLE

    store = app.session.store
    loose = store.create_conversation("Loose chat")
    inside = store.create_conversation("Thesis outline")
    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        app.session.create_project("Thesis")
    project = store.projects()[0]
    sidebar = app.window.sidebar

    def rows() -> list[str]:
        return [sidebar.model.index(i).data() for i in range(sidebar.row_count())]

    assert rows() == ["▾ Thesis (0)", "Thesis outline", "Loose chat"]
    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        sidebar.moveRequested.emit(inside.id, project.id)  # as the chat's "Move to project" menu does
    assert rows() == ["▾ Thesis (1)", "    Thesis outline", "Loose chat"]
    header = sidebar.model.index(0)
    assert header.data(PROJECT_ROLE) == project.id
    sidebar.list.clicked.emit(header)  # fold
    assert rows() == ["▸ Thesis (1)", "Loose chat"]
    sidebar.list.clicked.emit(sidebar.model.index(0))  # unfold
    assert len(rows()) == 3

    # Dragged out (dropped below the list), then back onto the project's header.
    model = sidebar.model
    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        model.dropMimeData(model.mimeData([model.index(1)]), Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert rows() == ["▾ Thesis (0)", "Thesis outline", "Loose chat"]
    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        model.dropMimeData(model.mimeData([model.index(1)]), Qt.DropAction.MoveAction, -1, -1, model.index(0))
    assert rows() == ["▾ Thesis (1)", "    Thesis outline", "Loose chat"]
    assert model.flags(model.index(1)) & Qt.ItemFlag.ItemIsDragEnabled  # a chat can be dragged...
    assert not model.flags(model.index(0)) & Qt.ItemFlag.ItemIsDragEnabled  # ...a project's header not

    # Search limited to the project (its header's "Search in this project").
    store.add_message(inside.id, "user", "tidal ranges in chapter two")
    store.add_message(loose.id, "user", "tidal ranges for the weekend sail")
    sidebar.search.setText("tidal")
    qtbot.waitUntil(lambda: sidebar.row_count() == 2, timeout=5_000)
    with qtbot.waitSignal(app.history.searchFinished, timeout=5_000):
        sidebar.search_in(project.id)
    assert sidebar.row_count() == 1 and "Thesis" in sidebar.scope_button.text()
    assert sidebar.model.index(0).data(ID_ROLE) == inside.id
    with qtbot.waitSignal(app.history.searchFinished, timeout=5_000):
        sidebar.scope_button.click()  # ✕: all chats again
    assert sidebar.row_count() == 2
    sidebar.clear_search()

    dialog = app.window.edit_project(project.id)  # the header's "Edit project…"
    dialog.name.setText("My thesis")
    dialog.instructions.setPlainText("You help me write my thesis.")
    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        dialog.accept()
    assert store.project(project.id).instructions == "You help me write my thesis."
    assert rows()[0] == "▾ My thesis (1)"

    sidebar.newChatInProjectRequested.emit(project.id)  # the header's "New chat in this project"
    assert app.session.settings().system_prompt == "You help me write my thesis."
    assert app.window.settings_panel.system_prompt.toPlainText() == "You help me write my thesis."

    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        sidebar.projectDeleteRequested.emit(project.id)
    assert sorted(rows()) == ["Loose chat", "Thesis outline"] and store.conversation(loose.id).project_id is None


def test_a_new_chat_in_a_project_answers_from_its_collection_with_its_instructions(
        qtbot, app: App, instruct_model, builtin_embedding_model, tmp_path) -> None:  # noqa: F811
    from test_documents_gui import INDEX_TIMEOUT_MS

    folder = tmp_path / "falcon"
    folder.mkdir()
    (folder / "falcon.md").write_text("# Falcon\n\nThe Falcon project budget for 2024 was 3.2 million euros.")
    (folder / "pasta.txt").write_text("Boil the pasta for nine minutes in salted water.")
    app.start(None)
    dialog = app.window.chat_documents.open_collections()
    with qtbot.waitSignal(app.documents.indexed, timeout=INDEX_TIMEOUT_MS):
        dialog.start_indexing("falcon", [folder])
    dialog.accept()
    project = app.session.store.create_project("Falcon", "You answer questions about the Falcon project.",
                                               {"documents": ["gone"]})
    dialog = app.window.edit_project(project.id)  # the project's collections are ticked in its dialog
    listed = {dialog.documents.item(i).text(): dialog.documents.item(i) for i in range(dialog.documents.count())}
    assert list(listed) == ["falcon", "gone (missing)"]
    assert listed["gone (missing)"].checkState() == Qt.CheckState.Checked  # not dropped unseen
    assert not dialog.tools.isEnabled() and dialog.tools.item(0).text() == "None here yet"
    listed["falcon"].setCheckState(Qt.CheckState.Checked)
    listed["gone (missing)"].setCheckState(Qt.CheckState.Unchecked)
    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        dialog.accept()
    assert app.session.store.project(project.id).settings["documents"] == ["falcon"]
    load(qtbot, app, instruct_model)
    app.window.new_chat_in_project(project.id)
    assert app.window.chat_documents.button.text() == "Documents: falcon"  # the chat sees the project's
    with qtbot.waitSignal(app.inference.previewReady, timeout=10_000) as preview:
        app.session.request_preview(app.session.settings(), "What was the Falcon budget for 2024?")
    assert "You answer questions about the Falcon project." in preview.args[0].text
    assert "3.2 million euros" in preview.args[0].text  # the collection's excerpt, in the prompt
    with qtbot.waitSignal(app.session.replyFinished, timeout=LOAD_TIMEOUT_MS):
        send(qtbot, app, "What was the Falcon budget for 2024?")
    reply = app.window.chat.widgets[app.session.path[-1].id]
    assert "[1] falcon.md" in reply.sources_label.text()
    assert app.session.conversation.project_id == project.id
    assert "documents" not in app.session.conversation.settings  # the project's, not copied into the chat


def test_a_project_exported_with_its_chats_imports_whole_or_not_at_all(qtbot, app: App, tmp_path) -> None:  # noqa: F811
    import json

    store = app.session.store
    project = store.create_project("Kitchen", "Suggest recipes from what I have.", {"temperature": 0.4})
    for title in ("Dinner", "Bread"):
        conv = store.create_conversation(title)
        store.add_message(conv.id, "user", f"{title}? 你好")
        store.move_conversation(conv.id, project.id)
    path = tmp_path / "kitchen.json"
    with qtbot.waitSignal(app.history.exported, timeout=5_000):
        app.history.export_project(project.id, str(path))  # the header's "Export the project and its chats…"
    with qtbot.waitSignal(app.history.projectImported, timeout=5_000) as imported:
        app.history.import_project(str(path))  # File → Import a project…
    copy = imported.args[0]
    assert copy.id != project.id and (copy.name, copy.instructions, copy.settings) == (
        "Kitchen", "Suggest recipes from what I have.", {"temperature": 0.4})
    chats = [c for c in store.conversations() if c.project_id == copy.id]
    assert sorted(c.title for c in chats) == ["Bread", "Dinner"]
    assert all(store.active_path(c.id)[0].content.endswith("你好") for c in chats)

    data = json.loads(path.read_text())
    data["conversations"][1]["tree"] = "broken"
    path.write_text(json.dumps(data))
    before = (len(store.projects()), len(store.conversations()))
    with qtbot.waitSignal(app.history.failed, timeout=5_000) as failed:
        app.history.import_project(str(path))
    assert "nothing was imported" in failed.args[0]
    assert (len(store.projects()), len(store.conversations())) == before


def test_a_project_has_a_preset_and_a_model_of_its_own(qtbot, app: App, tiny_model) -> None:  # noqa: F811
    """Its preset under its settings (its instructions win over the preset's system prompt), its model
    loaded when one of its chats is started or opened, and a header's folding kept across runs."""
    import shutil

    from chatapp.core.storage.settings import load_settings

    library_copy = app.paths.models_dir / "tiny-project-model.gguf"
    library_copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tiny_model, library_copy)
    load(qtbot, app, demo_model_path())
    store = app.session.store
    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        project = app.session.create_project("Translations")

    dialog = app.window.edit_project(project.id)
    assert dialog.preset.currentText() == "None" and dialog.model.currentText() == "Whichever is loaded"
    dialog.preset.setCurrentIndex(dialog.preset.findText("Translator (Chinese ↔ English)"))
    dialog.model.setCurrentIndex(dialog.model.findData(str(library_copy)))
    with qtbot.waitSignal(app.history.conversationsListed, timeout=5_000):
        dialog.accept()
    assert store.project(project.id).preset == "Translator (Chinese ↔ English)"

    with qtbot.waitSignal(app.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS) as loaded:
        app.window.new_chat_in_project(project.id)  # the project's model replaces the demo model
    assert loaded.args[0].path == str(library_copy)
    settings = app.session.settings()
    assert settings.sampling.temperature == 0.2 and settings.system_prompt.startswith("You are a translator")
    assert app.window.settings_panel.system_prompt.toPlainText().startswith("You are a translator")

    store.update_project(project.id, instructions="Translate into French.", settings={"top_k": 7})
    settings = app.session.settings()
    assert settings.system_prompt == "Translate into French."  # the instructions win over the preset's prompt
    assert settings.sampling.temperature == 0.2 and settings.sampling.top_k == 7  # the preset, then its own

    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        send(qtbot, app, "Hello")
    chat = app.session.conversation
    assert chat is not None and chat.project_id == project.id

    load(qtbot, app, demo_model_path())  # another model meanwhile; opening the chat brings the project's back
    app.session.new_conversation()
    with qtbot.waitSignal(app.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS) as loaded:
        app.window.sidebar.openRequested.emit(chat.id)
    assert loaded.args[0].path == str(library_copy)

    library_copy.unlink()  # the project's model deleted: one sentence, the loaded model stays
    load(qtbot, app, demo_model_path())
    app.window.new_chat_in_project(project.id)
    assert "This project's model, tiny-project-model.gguf, is no longer on this computer" in \
        app.window.error_banner.label.text()
    assert app.inference.summary is not None and "smollm2" in app.inference.summary.path.lower()
    dialog = app.window.edit_project(project.id)
    assert dialog.model.currentText() == "tiny-project-model.gguf (missing)"
    dialog.reject()

    sidebar = app.window.sidebar
    sidebar.list.clicked.emit(sidebar.model.index(0))  # fold the project's header
    assert load_settings(app.paths.settings_file).folded_projects == (project.id,)
    assert sidebar.model.index(0).data().startswith("▸ Translations")
