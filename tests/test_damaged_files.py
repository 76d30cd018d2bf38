"""Damaged files in the user's folders cost only what is damaged: settings are read field by field, an
unusable file is set aside (renamed, never deleted) and the app starts, says so in one sentence and
keeps working. Settings files, window.ini, a conversation's stored settings, the documents index."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from chatapp.core.storage.paths import default_paths
from chatapp.core.storage.settings import AppSettings, read_settings, save_settings
from chatapp.core.types import SamplingParams


def write(path: Path, content: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def asides(path: Path, label: str) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.{label}-*"))


# ----- settings.json: five kinds of damage ----------------------------------------------------------------
@pytest.mark.parametrize("content", ["[]", '"text"', "null", '{"theme": "dark"', b"\xff\xfe\x00{}"],
                         ids=["a list", "a string", "null", "cut off", "not UTF-8"])
def test_a_settings_file_that_cannot_be_used_is_set_aside(tmp_path: Path, content: str | bytes) -> None:
    path = write(tmp_path / "settings.json", content)
    loaded = read_settings(path)
    assert loaded.settings == AppSettings()
    assert not path.exists()  # so the next save cannot overwrite it...
    (kept,) = asides(path, "unreadable")
    assert kept.read_bytes() == (content.encode() if isinstance(content, str) else content)  # ...kept whole
    assert loaded.notice is not None and f"it was moved to {kept.name}" in str(loaded.notice)
    save_settings(path, loaded.settings)
    assert read_settings(path).notice is None


def test_each_invalid_field_falls_back_alone(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.json", json.dumps({
        "version": 1,
        "api_port": "abc",  # not a number
        "api_server": "false",  # a string is not a boolean (bool("false") is True)
        "extra_model_dirs": "/models",  # a string is not a list of its characters
        "speculative": "warp-speed",  # not a mode
        "sampling": {"temperature": 9, "top_k": 5, "seed": "x"},  # one out of range, one valid, one wrong type
        "load": [],  # not an object
        "theme": "dark", "system_prompt": "Be terse.", "servers": ["http://gpu.local:8080/v1"],  # valid
        "from_a_newer_version": True,  # unknown: ignored
    }))
    loaded = read_settings(path)
    s = loaded.settings
    assert (s.theme, s.system_prompt, s.servers, s.sampling.top_k) == ("dark", "Be terse.",
                                                                       ("http://gpu.local:8080/v1",), 5)
    assert (s.api_port, s.api_server, s.extra_model_dirs, s.speculative) == (8080, False, (), "prompt-lookup")
    assert (s.sampling.temperature, s.sampling.seed) == (SamplingParams().temperature, SamplingParams().seed)
    assert loaded.notice is not None
    for name in ("api_port", "api_server", "extra_model_dirs", "speculative", "sampling.temperature",
                 "sampling.seed", "load"):
        assert name in str(loaded.notice)
    (copy,) = asides(path, "invalid")  # the file as the user wrote it, before a save rewrites it
    assert json.loads(copy.read_text())["api_port"] == "abc"
    assert read_settings(path).notice is not None and len(asides(path, "invalid")) == 1  # not a copy per start


def test_the_window_starts_on_damaged_settings_and_window_ini(qtbot) -> None:
    from chatapp.app import App

    paths = default_paths()
    write(paths.settings_file, json.dumps({"theme": "dark", "api_port": -5, "language": 42}))
    write(paths.config_dir / "window.ini", "[window\ngeometry=@ByteArray(\\x01)\n")  # Qt cannot parse it
    app = App(paths)
    qtbot.addWidget(app.window)
    try:
        app.window.show()
        app.start(None)  # no model yet: the first-run page shows, and the sentence with it
        assert app.window.center.currentWidget() is app.window.first_run
        assert app.settings.theme == "dark" and app.settings.api_port == 8080
        banner = app.window.error_banner
        assert banner.isVisible() and "api_port, language" in banner.label.text()
        assert asides(paths.config_dir / "window.ini", "unreadable")
        app.window.close()
        assert json.loads(paths.settings_file.read_text())["theme"] == "dark"  # the valid field survived the save
    finally:
        app.close()


# ----- a conversation's stored settings -----------------------------------------------------------------------
def test_a_conversations_damaged_settings_fall_back_field_by_field(qtbot) -> None:
    from chatapp.app import App

    paths = default_paths()
    app = App(paths)
    qtbot.addWidget(app.window)
    try:
        conversation = app.store.create_conversation("Old chat")
        app.store.db.execute(  # as a hand edit or another program could leave it
            "UPDATE conversations SET settings_json = ? WHERE id = ?",
            (json.dumps({"temperature": "hot", "top_k": 7, "template": 5, "documents": "notes",
                         "tool_servers": ["weather", 3]}), conversation.id))
        app.session.open_conversation(conversation.id)
        chat = app.session.settings()
        assert chat.sampling.top_k == 7 and chat.sampling.temperature == app.settings.sampling.temperature
        assert chat.template == "auto"
        assert app.session.documents() == [] and app.session.tool_servers() == ["weather"]

        app.store.db.execute("UPDATE conversations SET settings_json = '{not json' WHERE id = ?", (conversation.id,))
        app.session.open_conversation(conversation.id)  # opens; its settings are the defaults
        assert app.session.settings().sampling == app.settings.sampling
    finally:
        app.window.close()
        app.close()


# ----- the documents index ----------------------------------------------------------------------------------
def test_a_damaged_documents_index_is_set_aside_and_collections_can_be_made_again(tmp_path: Path) -> None:
    from chatapp.documents.store import DocumentStore

    path = write(tmp_path / "documents.sqlite3", b"SQLite format 3\x00" + b"\x13" * 5000)  # a ruined header
    store = DocumentStore(path)
    try:
        assert store.notice is not None
        assert "The documents index could not be read" in str(store.notice)
        assert asides(path, "unreadable")
        store.create_or_update("notes", [tmp_path], "all-MiniLM-L6-v2.gguf", 384)
        assert store.names() == ["notes"]
    finally:
        store.close()
    reopened = DocumentStore(path)  # the new index is healthy: no notice the second time
    try:
        assert reopened.notice is None and reopened.names() == ["notes"]
    finally:
        reopened.close()


def test_a_documents_index_of_another_shape_is_set_aside(tmp_path: Path) -> None:
    from chatapp.documents.store import DocumentStore

    path = tmp_path / "documents.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE collections (id INTEGER PRIMARY KEY, title TEXT)")  # not ours
    store = DocumentStore(path)
    try:
        assert store.notice is not None and store.names() == []
    finally:
        store.close()


def test_the_window_says_the_documents_index_was_set_aside(qtbot, monkeypatch) -> None:
    import chatapp.app
    from chatapp.app import App

    monkeypatch.setattr(chatapp.app, "STARTUP_RESCAN_DELAY_MS", 10)
    paths = default_paths()
    write(paths.data_dir / "documents.sqlite3", b"\x00" * 4096)
    app = App(paths)
    qtbot.addWidget(app.window)
    try:
        app.window.show()
        app.start(None)
        qtbot.waitUntil(lambda: "documents index could not be read" in app.window.error_banner.label.text(),
                        timeout=10_000)
        assert app.documents is not None and app.documents.collection_names() == []
    finally:
        app.window.close()
        app.close()
