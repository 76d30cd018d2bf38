"""The window's model server, offscreen with real models: API clients use another library model while the
window chats with its own; Settings → Local server shows both, for whom and their memory, and unloads
the API's; closing the window keeps serving from the tray (a client's stream runs to its end); "Start
when I log in" writes the desktop's autostart entry, and `--minimized` starts in the tray."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from PySide6.QtCore import Qt

from chatapp.app import App
from chatapp.core.storage.paths import default_paths
from chatapp.core.storage.settings import AppSettings, load_settings, save_settings
from chatapp.ui.tray import Tray

LOAD_TIMEOUT_MS = 60_000
SMOL, GEMMA = "smollm2-135m-instruct-q4_1", "gemma-3-270m-q4_k_m"


@pytest.fixture
def library(gemma_model: Path) -> Path:
    """Gemma 3 in the library folder of this test's data dir (the demo is always offered)."""
    models = default_paths().models_dir
    models.mkdir(parents=True, exist_ok=True)
    (models / gemma_model.name).symlink_to(gemma_model)
    return models


@pytest.fixture
def app(qtbot, library: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[App]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # "Start when I log in" writes here
    # Offscreen there is no tray to show an icon in; the desktop's answer is the one thing faked here.
    monkeypatch.setattr(Tray, "available", staticmethod(lambda: True))
    chat_app = App(default_paths())
    qtbot.addWidget(chat_app.window)
    chat_app.window.show()
    yield chat_app
    chat_app.quit()
    assert not chat_app.inference.host.is_alive()
    chat_app.close()


def serve(qtbot, app: App) -> str:
    app.window.open_app_settings("api")
    box = app.window.servers.api_box
    box.port.setValue(0)
    with qtbot.waitSignal(app.api_server.started, timeout=10_000):
        box.enabled.setChecked(True)
    assert app.api_server.server is not None
    return app.api_server.server.url


def test_api_clients_use_a_second_model_while_the_window_chats_with_its_own(qtbot, app: App,
                                                                            instruct_model: Path) -> None:
    with qtbot.waitSignal(app.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS):
        app.window.load_model(instruct_model)
    url = serve(qtbot, app)
    replies: list[str] = []

    def call() -> None:
        client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=120)
        reply = client.completions.create(model=GEMMA, prompt="The capital of France is", max_tokens=8)
        assert reply.model == GEMMA
        replies.append(reply.choices[0].text)

    caller = threading.Thread(target=call)
    app.window.settings_panel.max_tokens.setValue(40)
    app.window.settings_panel.flush()
    with qtbot.waitSignal(app.session.replyFinished, timeout=60_000):
        app.window.composer.input.setPlainText("Tell me about the sea.")
        qtbot.mouseClick(app.window.composer.button, Qt.MouseButton.LeftButton)
        caller.start()  # while the window's reply is being written
    caller.join(120)
    assert replies and replies[0].strip(), replies
    assert app.session.path[-1].content.strip()  # the window's own reply, from its own model
    assert app.inference.summary is not None and Path(app.inference.summary.path) == instruct_model

    # The model picker says which library model is in memory for API clients.
    app.window.model_bar.listRequested.emit()
    combo = app.window.model_bar.combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert [label for label in labels if label.endswith(" · in memory for API clients")] == [
        next(label for label in labels if "Gemma" in label or "gemma" in label)], labels

    # Settings → Local API server: both in memory, for whom, how much; the API's one can be unloaded.
    box = app.window.servers.loaded_box
    box.refresh()
    rows = {box.table.topLevelItem(i).text(0): box.table.topLevelItem(i) for i in range(box.table.topLevelItemCount())}
    assert set(rows) == {SMOL, GEMMA}
    assert rows[SMOL].text(1) == "this window" and rows[GEMMA].text(1) == "API clients"
    assert rows[GEMMA].text(2).endswith("MB") and rows[SMOL].text(2).endswith("MB")
    rows[SMOL].setSelected(True)
    assert not box.unload.isEnabled()  # the window's model is the window's to unload
    box.table.clearSelection()
    rows[GEMMA].setSelected(True)
    assert box.unload.isEnabled()
    qtbot.mouseClick(box.unload, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [m.model for m in app.api_server.loaded()] == [SMOL], timeout=10_000)
    box.max_models.setValue(2)
    box.idle.setValue(5)
    settings = load_settings(app.paths.settings_file)
    assert (settings.api_max_models, settings.api_idle_unload) == (2, 300)
    assert app.inference.router.policy.max_models == 2 and app.inference.router.policy.idle_unload == 300


def test_closing_the_window_keeps_a_clients_stream_going_from_the_tray(qtbot, app: App) -> None:
    assert not app.tray.visible
    url = serve(qtbot, app)
    assert app.tray.visible  # serving: in the tray, window or not
    chunks: list[str] = []
    finish: list[str | None] = []
    started = threading.Event()

    def stream() -> None:
        client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=120)
        for chunk in client.chat.completions.create(
                model=SMOL, messages=[{"role": "user", "content": "Write a long story about a lighthouse."}],
                max_tokens=120, stream=True, extra_body={"ignore_eos": True}):
            if chunk.choices:
                chunks.append(chunk.choices[0].delta.content or "")
                started.set()
                if chunk.choices[0].finish_reason:
                    finish.append(chunk.choices[0].finish_reason)

    client = threading.Thread(target=stream)
    client.start()
    qtbot.waitUntil(started.is_set, timeout=60_000)
    app.window.close()
    assert not app.window.isVisible() and app.tray.visible
    assert app.inference.host.is_alive() and app.api_server.running
    qtbot.waitUntil(lambda: bool(finish), timeout=120_000)
    client.join(10)
    assert finish == ["length"] and len(chunks) > 100  # every token, to the end
    assert app.tray.status_action.text().startswith("Serving at http://127.0.0.1:")
    # Pause and resume from the tray; Open brings the window back.
    with qtbot.waitSignal(app.api_server.stopped, timeout=10_000):
        app.tray.pause_action.trigger()
    assert app.tray.pause_action.text() == "Resume server" and app.tray.status_action.text() == "Server paused"
    with qtbot.waitSignal(app.api_server.started, timeout=10_000):
        app.tray.pause_action.trigger()
    app.tray.open_action.trigger()
    assert app.window.isVisible()
    # With the server off, closing the window quits as it always did.
    with qtbot.waitSignal(app.api_server.stopped, timeout=10_000):
        app.window.servers.api_box.enabled.setChecked(False)
    app.window.close()
    assert not app.inference.host.is_alive() and not app.tray.visible


def test_start_when_i_log_in_writes_the_autostart_entry(qtbot, app: App, tmp_path: Path) -> None:
    entry = tmp_path / "xdg" / "autostart" / "chatapp.desktop"
    box = app.window.servers.api_box
    app.window.open_app_settings("api")
    box.at_login.setChecked(True)
    text = entry.read_text()
    assert "\nExec=" in text and text.rstrip().endswith("X-GNOME-Autostart-enabled=true")
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith("-m chatapp --minimized") and load_settings(app.paths.settings_file).start_at_login
    box.at_login.setChecked(False)
    assert not entry.exists() and not load_settings(app.paths.settings_file).start_at_login


def test_minimized_start_is_in_the_tray_serving(qtbot, monkeypatch: pytest.MonkeyPatch, library: Path) -> None:
    monkeypatch.setattr(Tray, "available", staticmethod(lambda: True))
    paths = default_paths()
    paths.ensure()
    save_settings(paths.settings_file, AppSettings(api_server=True, api_port=0, last_model="demo"))
    chat_app = App(paths)
    qtbot.addWidget(chat_app.window)
    try:
        assert chat_app.start_minimized()
        with qtbot.waitSignal(chat_app.api_server.started, timeout=10_000):
            chat_app.start(None, load=False)
        assert not chat_app.window.isVisible() and chat_app.tray.visible
        assert chat_app.inference.summary is None and not chat_app.inference.loading  # loads when opened
        with qtbot.waitSignal(chat_app.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS):
            chat_app.tray.open_action.trigger()
        assert chat_app.window.isVisible()
    finally:
        chat_app.quit()
        chat_app.close()
