"""The real window, offscreen, with the real engine on real GGUF files, driven through its widgets."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel

from chatapp.app import App
from chatapp.core.storage.history import CANCELLED, COMPLETE, INTERRUPTED, HistoryStore
from chatapp.core.storage.paths import default_paths
from chatapp.ui.chat_list import HTML_ROLE

LOAD_TIMEOUT_MS = 60_000


@pytest.fixture
def app(qtbot) -> App:
    chat_app = App(default_paths())
    qtbot.addWidget(chat_app.window)
    chat_app.window.show()
    yield chat_app
    chat_app.window.close()
    assert not chat_app.inference.host.is_alive()
    chat_app.close()


def load(qtbot, app: App, model: Path) -> None:
    with qtbot.waitSignal(app.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS):
        app.window.load_model(model)


def send(qtbot, app: App, text: str) -> None:
    app.window.composer.input.setPlainText(text)
    qtbot.mouseClick(app.window.composer.button, Qt.MouseButton.LeftButton)


def on_the_box(check) -> QPoint:
    """Where a check box's square is (a click to the right of its text does not toggle it)."""
    return QPoint(8, check.height() // 2)


def start_endless_reply(qtbot, app: App, model: Path, min_chars: int) -> str:
    """Load the never-ending model and wait until its reply has `min_chars` on screen."""
    load(qtbot, app, model)
    app.window.settings_panel.max_tokens.setValue(1_000_000)
    app.window.settings_panel.flush()
    with qtbot.waitSignal(app.session.replyStarted, timeout=5_000):
        send(qtbot, app, "go on forever")  # the turn thread saves the message, then opens the reply
    reply_id = app.session.path[-1].id
    qtbot.waitUntil(lambda: len(app.window.chat.widgets[reply_id].text) > min_chars, timeout=10_000)
    return reply_id


def test_first_run_offers_the_demo_model(app: App) -> None:
    app.start(None)
    assert app.window.center.currentWidget() is app.window.first_run


def test_send_and_see_the_streamed_reply(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    assert "Tiny Test Instruct" in app.window.status.model_label.text()
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "Hello?")
    assert app.window.composer.text() == ""
    roles = [(w.message.role, w.text) for w in app.window.chat.widgets.values()]
    assert roles == [("user", "Hello?"), ("assistant", " Helloé!")]
    assert "tok/s" in app.window.status.speed_label.text()
    assert "/ 2,048" in app.window.status.context_label.text()
    assert [m.status for m in app.session.path] == [COMPLETE, COMPLETE]


def test_enter_sends_and_shift_enter_adds_a_line(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    box = app.window.composer.input
    qtbot.keyClicks(box, "line one")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "line two")
    assert box.toPlainText() == "line one\nline two"
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert app.session.path[0].content == "line one\nline two"


def test_stop_mid_reply(qtbot, app: App, tiny_long_model: Path) -> None:
    reply_id = start_endless_reply(qtbot, app, tiny_long_model, min_chars=200)
    assert app.window.composer.button.text() == "Stop"
    with qtbot.waitSignal(app.session.replyFinished, timeout=5_000):
        qtbot.mouseClick(app.window.composer.button, Qt.MouseButton.LeftButton)
    assert app.session.path[-1].status == CANCELLED
    assert app.window.composer.button.text() == "Send"
    assert app.session.store.message(reply_id).content.startswith(" Hello world.")


def test_regenerate_makes_a_branch_and_the_switcher_flips(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "first")
    first_reply = app.session.path[-1].id
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        app.window.chat.widgets[first_reply].regenerateRequested.emit()
    second_reply = app.session.path[-1].id
    assert second_reply != first_reply
    assert app.session.store.branch(second_reply).count == 2
    app.window.chat.widgets[second_reply].branchRequested.emit(second_reply, -1)
    assert app.session.path[-1].id == first_reply


def test_edit_and_resend_branches_from_the_user_message(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "original question")
    user_id = app.session.path[0].id
    app.window.chat.widgets[user_id].editRequested.emit(user_id)
    assert app.window.composer.text() == "original question"
    app.window.composer.input.setPlainText("edited question")
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        qtbot.keyClick(app.window.composer.input, Qt.Key.Key_Return)
    assert app.session.path[0].content == "edited question"
    assert app.session.store.branch(app.session.path[0].id).count == 2


def test_temperature_and_top_p_reach_the_engine(qtbot, app: App, tiny_eos_model: Path, monkeypatch) -> None:
    load(qtbot, app, tiny_eos_model)
    engine = app.inference._worker.engine
    seen = []
    original = engine.generate

    def spy(request, *args, **kwargs):
        seen.append(request.sampling)
        return original(request, *args, **kwargs)

    monkeypatch.setattr(engine, "generate", spy)
    panel = app.window.settings_panel
    panel.temperature.slider.setValue(135)  # the slider drives the field: 1.35
    panel.top_p.spin.setValue(0.42)
    assert panel.temperature.value() == pytest.approx(1.35)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "hi")
    assert (seen[-1].temperature, seen[-1].top_p) == (1.35, 0.42)
    assert app.session.conversation.settings["temperature"] == 1.35  # kept with the conversation


def test_picking_a_template_changes_the_preview(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    panel = app.window.settings_panel
    qtbot.waitUntil(lambda: "<|im_start|>" in panel.preview.toPlainText(), timeout=5_000)
    panel.template_combo.setCurrentText("llama-2")
    qtbot.waitUntil(lambda: "[INST]" in panel.preview.toPlainText(), timeout=5_000)
    assert "llama-2" in panel.template_info.text() and "tokens" in panel.template_info.text()
    panel.template_combo.setCurrentText("custom")
    panel.custom_edit.setPlainText("{{ ''.__class__ }}")
    qtbot.waitUntil(lambda: "not allowed" in panel.template_info.text(), timeout=5_000)


def test_bad_model_file_shows_an_error_and_the_app_stays_usable(qtbot, app: App, tmp_path: Path,
                                                                 tiny_eos_model: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a model at all" * 100)
    with qtbot.waitSignal(app.inference.modelFailed, timeout=LOAD_TIMEOUT_MS):
        app.window.load_model(bad)
    assert app.window.error_banner.isVisible()
    assert "is not a GGUF model file" in app.window.error_banner.label.text()
    app.window.composer.input.setPlainText("typed before loading")
    qtbot.mouseClick(app.window.composer.button, Qt.MouseButton.LeftButton)
    assert app.window.composer.text() == "typed before loading"  # nothing typed is lost
    assert "No model is loaded" in app.window.error_banner.label.text()
    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        qtbot.mouseClick(app.window.composer.button, Qt.MouseButton.LeftButton)
    assert app.session.path[0].content == "typed before loading"


def test_close_during_generation_is_clean(qtbot, tiny_long_model: Path) -> None:
    chat_app = App(default_paths())
    chat_app.window.show()
    reply_id = start_endless_reply(qtbot, chat_app, tiny_long_model, min_chars=100)
    chat_app.window.close()
    assert not chat_app.inference.host.is_alive()
    chat_app.close()
    store = HistoryStore(default_paths().database)
    assert store.message(reply_id).status == INTERRUPTED
    assert store.message(reply_id).content.startswith(" Hello world.")
    store.close()


def test_search_opens_the_conversation_at_the_hit(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "remember the zebra")
    zebra_conv = app.session.conversation.id
    app.session.new_conversation()
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "something else")
    with qtbot.waitSignal(app.history.searchFinished, timeout=3_000):  # answered by the storage thread
        app.window.sidebar.search.setText("zebr")
    assert app.window.sidebar.row_count() == 1
    hit = app.window.sidebar.model.index(0)
    assert "<b style" in hit.data(HTML_ROLE) and "zebra" in hit.data(HTML_ROLE)
    app.window.sidebar._activated(hit)
    assert app.session.conversation.id == zebra_conv


def test_the_chat_list_and_search_are_read_off_the_gui_thread(qtbot, app: App, monkeypatch) -> None:
    threads: list[str] = []

    def on_thread(method):
        def spy(self, *args, **kwargs):
            threads.append(threading.current_thread().name)
            return method(self, *args, **kwargs)
        return spy

    monkeypatch.setattr(HistoryStore, "search", on_thread(HistoryStore.search))
    monkeypatch.setattr(HistoryStore, "conversations", on_thread(HistoryStore.conversations))
    with qtbot.waitSignal(app.history.conversationsListed, timeout=3_000):
        app.window.conversations.refresh()
    with qtbot.waitSignal(app.history.searchFinished, timeout=3_000):
        app.window.sidebar.search.setText("anything")
    assert threads == ["storage", "storage"]


def test_pin_rename_export_and_branch_counters_are_done_off_the_gui_thread(
        qtbot, app: App, tiny_eos_model: Path, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "first")
    first_reply = app.session.path[-1].id
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        app.window.chat.widgets[first_reply].regenerateRequested.emit()
    second_reply = app.session.path[-1].id
    conv_id = app.session.conversation.id
    threads: dict[str, set[str]] = {}

    def on_thread(name):
        method = getattr(HistoryStore, name)

        def spy(self, *args, **kwargs):
            threads.setdefault(name, set()).add(threading.current_thread().name)
            return method(self, *args, **kwargs)
        return spy

    for name in ("update_conversation", "branch", "export_markdown"):
        monkeypatch.setattr(HistoryStore, name, on_thread(name))
    sidebar = app.window.sidebar

    def listed():
        return app.window.conversations._listed[conv_id]

    with qtbot.waitSignal(app.history.conversationChanged, timeout=3_000):
        sidebar.renameRequested.emit(conv_id, "  Two replies  ")
    qtbot.waitUntil(lambda: listed().title == "Two replies", timeout=3_000)  # then the list is asked for again
    with qtbot.waitSignal(app.history.conversationChanged, timeout=3_000):
        sidebar.pinRequested.emit(conv_id, 1)
    qtbot.waitUntil(lambda: listed().pinned, timeout=3_000)
    exported = tmp_path / "chat.md"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(exported), ""))
    with qtbot.waitSignal(app.history.exported, timeout=3_000):
        sidebar.exportRequested.emit(conv_id, "md")
    assert exported.read_text(encoding="utf-8").startswith("# Two replies\n")
    with qtbot.waitSignal(app.history.branchesRead, timeout=3_000):
        app.session.open_conversation(conv_id)  # the path is drawn at once; its counters follow
    widget = app.window.chat.widgets[second_reply]
    assert (widget.branch.index, widget.branch.count) == (1, 2) and widget._switcher[1].text() == "2/2"
    assert threads == {"update_conversation": {"storage"}, "export_markdown": {"storage"}, "branch": {"storage"}}


def test_the_counters_of_a_path_left_meanwhile_are_never_shown(qtbot, app: App, tiny_eos_model: Path,
                                                                monkeypatch) -> None:
    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "first")
    first_reply = app.session.path[-1].id
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        app.window.chat.widgets[first_reply].regenerateRequested.emit()
    second_reply = app.session.path[-1].id
    qtbot.waitUntil(lambda: app.window.chat.widgets[second_reply].branch is not None, timeout=3_000)
    storage_busy = threading.Event()
    real_branch = HistoryStore.branch

    def slow_branch(self, message_id):  # the storage thread takes its time; the GUI thread never waits for it
        if threading.current_thread().name == "storage":
            storage_busy.wait(10)
        return real_branch(self, message_id)

    monkeypatch.setattr(HistoryStore, "branch", slow_branch)
    answers = []
    app.history.branchesRead.connect(answers.append)
    app.session.switch_branch(second_reply, -1)  # path A: its counters are being read...
    assert app.session.path[-1].id == first_reply and first_reply in app.window.chat.widgets  # ...drawn already
    app.session.switch_branch(first_reply, 1)  # path B, before A's counters came
    assert second_reply in app.window.chat.widgets and first_reply not in app.window.chat.widgets
    storage_busy.set()
    qtbot.waitUntil(lambda: bool(answers), timeout=5_000)
    qtbot.wait(200)  # path A's answer, read meanwhile, never arrives
    assert len(answers) == 1 and set(answers[0]) == {m.id for m in app.session.path}
    assert app.window.chat.widgets[second_reply].branch == real_branch(app.session.store, second_reply)


def test_an_export_or_rename_that_fails_is_one_sentence_in_the_window(qtbot, app: App, tmp_path: Path,
                                                                       monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    conv = app.session.store.create_conversation("Kept")
    failures = []
    app.history.failed.connect(failures.append)
    nowhere = tmp_path / "no-such-folder" / "chat.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(nowhere), ""))
    with qtbot.waitSignal(app.history.failed, timeout=3_000):
        app.window.sidebar.exportRequested.emit(conv.id, "json")
    assert app.window.error_banner.label.text() == f"Could not write {nowhere}: No such file or directory."
    with qtbot.waitSignal(app.history.failed, timeout=3_000):
        app.window.sidebar.renameRequested.emit("deleted-meanwhile", "New title")
    assert app.window.error_banner.label.text().startswith("No conversation with id deleted-meanwhile")
    qtbot.wait(100)
    assert len(failures) == 2 and all("\n" not in f for f in failures)  # one signal each, one sentence each


def test_window_geometry_and_last_conversation_are_remembered(qtbot, tiny_eos_model: Path) -> None:
    first = App(default_paths())
    first.window.show()
    first.window.resize(700, 500)  # inside the 800x600 offscreen screen
    load(qtbot, first, tiny_eos_model)
    with qtbot.waitSignal(first.session.replyFinished, timeout=10_000):
        send(qtbot, first, "keep this chat")
    conv_id = first.session.conversation.id
    size = first.window.size()
    first.window.close()
    first.close()
    second = App(default_paths())
    second.start(None)
    assert second.window.size() == size
    assert second.session.conversation.id == conv_id
    with qtbot.waitSignal(second.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS):
        pass  # the last model loads again by itself
    second.window.close()
    second.close()


def test_a_new_turn_keeps_the_earlier_message_blocks(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "first")
    first_user = app.session.path[0].id
    kept = app.window.chat.widgets[first_user]
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "second")
    assert app.window.chat.widgets[first_user] is kept  # not re-rendered
    widgets = list(app.window.chat.widgets.values())
    assert [w.message.content for w in widgets] == ["first", " Helloé!", "second", " Helloé!"]
    assert [w.regenerate_button is not None for w in widgets if w.message.role == "assistant"] == [False, True]


def test_a_full_disk_keeps_the_typed_message_and_says_so(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "saved fine")
    db = app.session.turns.store.db  # the turn thread's connection writes the turns
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    with qtbot.waitSignal(app.session.unsent, timeout=5_000):
        send(qtbot, app, "y" * 200_000)
    assert app.window.composer.text() == "y" * 200_000  # nothing typed is lost
    assert "Could not save" in app.window.error_banner.label.text()
    assert not app.session.busy


def test_a_second_chatapp_brings_this_window_forward_and_loads_its_model(
    qtbot, app: App, tiny_eos_model: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from chatapp.services.single_instance import hand_over

    second = subprocess.Popen([sys.executable, "-m", "chatapp", "--model", str(tiny_eos_model)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    with qtbot.waitSignal(app.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS):
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=60_000)
    _, err = second.communicate()
    assert second.returncode == 0, err
    assert "already running" in err and "Traceback" not in err
    assert "Tiny Test Instruct" in app.window.status.model_label.text()
    assert app.window.isVisible()
    # Another data folder is another chatapp: nothing answers there.
    assert not hand_over(tmp_path / "another-data-dir", None)


def test_the_local_api_server_answers_while_a_chat_is_open(qtbot, app: App, tiny_eos_model: Path) -> None:
    import threading

    import openai

    from chatapp.core.storage.settings import load_settings

    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "A chat of my own")
    app.window.open_app_settings("api")  # an app-wide choice: in Settings (Ctrl+,)
    box = app.window.servers.api_box
    box.port.setValue(0)  # any free port
    with qtbot.waitSignal(app.api_server.started, timeout=10_000):
        qtbot.mouseClick(box.enabled, Qt.MouseButton.LeftButton, pos=on_the_box(box.enabled))
    assert box.enabled.isChecked() and not box.port.isEnabled()
    url = app.api_server.server.url
    assert app.window.status.api_label.isVisible() and url in app.window.status.api_label.text()
    assert load_settings(app.paths.settings_file).api_server is True

    replies: list[str] = []

    def call() -> None:
        client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=60)
        reply = client.chat.completions.create(model="tiny-eos", messages=[{"role": "user", "content": "hi"}],
                                               max_tokens=9)
        replies.append(reply.choices[0].message.content or "")

    caller = threading.Thread(target=call)
    caller.start()
    qtbot.waitUntil(lambda: bool(replies), timeout=30_000)
    caller.join()
    assert replies == [" Helloé!"]
    qtbot.waitUntil(lambda: "1 request" in app.window.status.api_label.text(), timeout=5_000)
    # The window's server refuses what a web page could send, as `chatapp serve` does (tests/test_api_guard.py).
    import httpx2 as httpx

    body = '{"model": "x", "messages": [{"role": "user", "content": "hi"}]}'
    assert httpx.post(url + "/chat/completions", content=body, headers={"Host": "evil.example",
                      "Content-Type": "application/json"}).status_code == 403
    plain = httpx.post(url + "/chat/completions", content=body, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert "1 request" in app.window.status.api_label.text()  # neither reached the model
    # API conversations stay out of the user's chats
    assert [c.title for c in app.store.conversations()] == ["A chat of my own"]
    with qtbot.waitSignal(app.api_server.stopped, timeout=10_000):
        qtbot.mouseClick(box.enabled, Qt.MouseButton.LeftButton, pos=on_the_box(box.enabled))
    assert not app.window.status.api_label.isVisible() and load_settings(app.paths.settings_file).api_server is False


def test_chat_with_a_model_on_a_server(qtbot, app: App, tiny_eos_model: Path) -> None:
    from chatapp.core.runtime.model_host import ModelHost
    from chatapp.core.runtime.router import ModelRouter
    from chatapp.core.storage.settings import load_settings
    from chatapp.server.runner import ApiServer
    from chatapp.server.state import ServerState
    from chatapp.ui.model_bar import ServerModel

    remote_host = ModelHost()  # "another computer": its own model thread and server
    remote_host.call(lambda engine: engine.load(tiny_eos_model))
    server = ApiServer(ServerState(ModelRouter(remote_host)), port=0).start()
    try:
        dialog = app.window.servers.open_dialog()
        dialog.url.setText(server.url.removesuffix("/v1"))
        qtbot.mouseClick(dialog.list_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.models.count() == 1, timeout=10_000)
        assert dialog.models.currentText() == "tiny-eos"
        with qtbot.waitSignal(app.inference.modelLoaded, timeout=10_000):
            dialog.accept()
        assert "tiny-eos @ 127.0.0.1" in app.window.status.model_label.text()
        with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
            send(qtbot, app, "Hello over there")
        reply = app.session.path[-1]
        assert (reply.content, reply.status) == (" Helloé!", COMPLETE)
        assert reply.model.startswith("tiny-eos @ 127.0.0.1:")  # history says who answered
        assert reply.stats["completion_tokens"] == 4  # usage from the server: é is two byte tokens

        # the server is saved: Settings → Servers lists it, and its models are in the model picker
        address = server.url.removesuffix("/v1")
        assert app.window.servers.servers_box.list.item(0).text() == address
        assert load_settings(app.paths.settings_file).servers == (address,)
        with qtbot.waitSignal(app.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS):
            app.window.load_model(tiny_eos_model)  # back to a local model...
        combo = app.window.model_bar.combo
        app.window.model_bar.listRequested.emit()  # ...then open the picker
        qtbot.waitUntil(lambda: any(isinstance(combo.itemData(i), ServerModel) for i in range(combo.count())),
                        timeout=10_000)
        entry = next(i for i in range(combo.count()) if isinstance(combo.itemData(i), ServerModel))
        assert combo.itemText(entry).startswith("tiny-eos · on 127.0.0.1:")
        with qtbot.waitSignal(app.inference.modelLoaded, timeout=10_000):
            combo.activated.emit(entry)  # picked: the window chats with the server again
        assert app.inference.remote is not None and app.inference.remote.model == "tiny-eos"

        dialog = app.window.servers.open_dialog()  # a wrong address: one sentence, nothing else changes
        dialog.url.setText("http://127.0.0.1:9/v1")
        qtbot.mouseClick(dialog.list_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Cannot reach the server" in dialog.status.text(), timeout=20_000)
        dialog.reject()
    finally:
        server.stop()
        remote_host.shutdown()


def test_app_wide_choices_are_in_the_settings_dialog(qtbot, app: App, tiny_eos_model: Path, tmp_path: Path) -> None:
    from PySide6.QtGui import QKeySequence

    from chatapp.core.storage.settings import load_settings

    assert app.window.settings_action.shortcut() == QKeySequence("Ctrl+,")
    app.window.settings_action.trigger()
    dialog = app.window.app_settings_dialog
    assert dialog.isVisible()
    assert dialog.page_titles() == ["Appearance", "Models", "Downloads", "Servers", "Tools", "Voice", "Speed",
                                    "Local API server", "Data"]
    panel = app.window.settings_panel  # the side panel keeps this chat's settings only
    sections = app.window.sections
    for box in (app.window.servers.api_box, sections.speculation_box, sections.theme_box, sections.language_box):
        assert not panel.isAncestorOf(box) and dialog.isAncestorOf(box)
    # Models: a folder added here is searched for models (the picker lists what is in it)
    folder = tmp_path / "more-models"
    folder.mkdir()
    (folder / "extra-tiny.gguf").write_bytes(tiny_eos_model.read_bytes())
    dialog.show_page("models")
    app.window.sections.folders_box.add_folder(str(folder))
    assert load_settings(app.paths.settings_file).extra_model_dirs == (str(folder.resolve()),)
    app.window.model_bar.listRequested.emit()
    combo = app.window.model_bar.combo
    assert any(str(combo.itemData(i)).endswith("extra-tiny.gguf") for i in range(combo.count()))
    app.window.sections.folders_box.list.setCurrentRow(0)
    qtbot.mouseClick(app.window.sections.folders_box.remove_button, Qt.MouseButton.LeftButton)
    assert load_settings(app.paths.settings_file).extra_model_dirs == ()
    # Data: where everything lives, each with a button that opens it
    dialog.show_page("data")
    assert set(app.window.sections.data_box.buttons) == {"Chats", "Models", "Settings", "Logs"}
    dialog.close()


def test_structured_output_in_a_chat(qtbot, app: App, instruct_model: Path) -> None:
    import json

    load(qtbot, app, instruct_model)
    panel = app.window.settings_panel
    schema = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20},
                                               "sunny": {"type": "boolean"}}, "required": ["city", "sunny"]}
    assert not panel.schema_edit.isVisibleTo(panel)  # folded away until asked for
    panel.json_enabled.setChecked(True)
    panel.schema_edit.setPlainText(json.dumps(schema))
    with qtbot.waitSignal(app.inference.previewReady, timeout=10_000):
        panel.flush()
    assert "held to the JSON schema" in panel.template_info.text()
    with qtbot.waitSignal(app.session.replyFinished, timeout=60_000):
        send(qtbot, app, "What is the weather in Paris?")
    reply = app.session.path[-1]
    value = json.loads(reply.content)
    assert set(value) == {"city", "sunny"} and reply.stats["output"] == "json_schema"
    widget = app.window.chat.widgets[reply.id]
    assert [b.rstrip("\n") for b in widget.code_blocks] == [json.dumps(value, indent=2)]  # shown formatted, with Copy
    assert app.session.settings().output_schema == json.dumps(schema)  # kept with the chat
    panel.schema_edit.setPlainText('{"type": "objekt"}')
    panel.flush()
    assert "The JSON schema cannot be used at type" in panel.template_info.text()  # said before sending


def _weather_server(app: App) -> None:
    """The test MCP server in the app's mcp.json, turned on for the next chat."""
    import sys

    from chatapp.core.tools.mcp_config import McpServerConfig

    server = Path(__file__).parent / "mcp_servers" / "weather_server.py"
    app.window.chat_tools.box.add_server(McpServerConfig("weather", command=sys.executable, args=(str(server),)))
    app.window.chat_tools.button.aboutToOpen.emit()
    [action] = [a for a in app.window.chat_tools.button.menu_.actions() if a.text() == "weather"]
    action.setChecked(True)  # this chat may use its tools


def _answer_every_question(qtbot, app: App, button: str) -> int:
    """Click `button` on each permission card until the turn ends; returns how many were asked."""
    asked = 0
    while app.session.busy:
        qtbot.waitUntil(lambda: bool(app.window.chat.permission_cards) or not app.session.busy, timeout=20_000)
        for card in list(app.window.chat.permission_cards.values()):
            qtbot.mouseClick(getattr(card, button), Qt.MouseButton.LeftButton)
            asked += 1
    return asked


def test_a_tool_call_allowed_in_the_window(qtbot, app: App, tiny_tool_model: Path) -> None:
    from chatapp.ui.tool_cards import ToolCard

    load(qtbot, app, tiny_tool_model)
    _weather_server(app)
    assert app.window.chat_tools.button.text() == "Tools: weather"
    send(qtbot, app, "Weather in Paris?")
    qtbot.waitUntil(lambda: bool(app.window.chat.permission_cards), timeout=20_000)
    card = next(iter(app.window.chat.permission_cards.values()))
    assert "get_weather" in card.findChild(QLabel).text() and "weather" in card.findChild(QLabel).text()
    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        assert _answer_every_question(qtbot, app, "always") == 1  # "always": not asked again
    path = app.session.path
    results = [m for m in path if m.role == "tool"]
    assert results and all(m.content == "Sunny, 24 °C" and m.tool["server"] == "weather" for m in results)
    assert len(results) == 8 and path[-1].stats.get("tool_round_limit") == 8  # this model never stops calling
    cards = [w for w in app.window.chat.widgets.values() if isinstance(w, ToolCard)]
    assert len(cards) == 8 and "Tool get_weather on weather" in cards[0].toggle.text()
    qtbot.mouseClick(cards[0].toggle, Qt.MouseButton.LeftButton)  # unfolded: the arguments and the result
    assert cards[0].details.isVisible() and '"city": "Paris"' in cards[0].arguments.text()
    state = app.window.chat_tools.box.list.item(0).text()
    assert state.startswith("weather · stdio · running: 5 tools")


def test_a_tool_call_denied_in_the_window(qtbot, app: App, tiny_tool_model: Path) -> None:
    load(qtbot, app, tiny_tool_model)
    _weather_server(app)
    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        send(qtbot, app, "Weather in Paris?")
        asked = _answer_every_question(qtbot, app, "deny")
    assert asked == 8  # asked for every call, refused every time
    results = [m for m in app.session.path if m.role == "tool"]
    assert all(m.tool["denied"] and "did not allow" in m.content for m in results)


def test_speculative_decoding_setting(qtbot, app: App, tiny_model: Path, gemma_model: Path, monkeypatch) -> None:
    """Automatic by default (the tiny model repeats itself: every guess is kept), a draft model that
    cannot draft for the loaded one is refused in the box, Off turns guessing off; all kept in settings."""
    from PySide6.QtWidgets import QFileDialog

    from chatapp.core.storage.settings import load_settings

    load(qtbot, app, tiny_model)
    app.window.settings_panel.max_tokens.setValue(60)
    app.window.settings_panel.flush()
    app.window.open_app_settings("speed")
    box = app.window.sections.speculation_box
    assert box.current_mode() == "prompt-lookup" and box.isVisible() and not box.draft_path.isVisible()
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "hi")
    reply = app.session.path[-1]
    assert reply.stats["draft_tokens"] > 30 and reply.stats["accepted_tokens"] == reply.stats["draft_tokens"]
    assert "guessed tokens kept" in app.window.chat.widgets[reply.id].stats_label.text()

    # the file dialog is the platform's own window: answer it as the user would
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(gemma_model), "GGUF models (*.gguf)"))
    with qtbot.waitSignal(app.inference.speculationApplied, timeout=30_000) as applied:
        box.mode.setCurrentIndex(box.mode.findData("draft"))
    assert applied.args[0] == "prompt-lookup"  # refused: the engine goes on as it was...
    assert box.status.isVisible() and "cannot draft for this model" in box.status.text()  # ...and says why
    assert box.draft_path.isVisible() and box.draft_path.text() == str(gemma_model)
    assert (load_settings(app.paths.settings_file).speculative, load_settings(app.paths.settings_file).draft_model) \
        == ("draft", str(gemma_model))

    with qtbot.waitSignal(app.inference.speculationApplied, timeout=10_000) as applied:
        box.mode.setCurrentIndex(box.mode.findData("off"))
    assert applied.args == ["off", ""] and not box.status.isVisible()
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "again")
    assert app.session.path[-1].stats["draft_tokens"] == 0
    assert load_settings(app.paths.settings_file).speculative == "off"


def test_scrolling_the_settings_panel_does_not_change_a_setting(qtbot, app: App) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    panel = app.window.settings_panel
    panel.advanced_toggle.setChecked(True)  # repeat penalty is among the advanced settings
    panel.resize(panel.width(), 300)  # short enough to scroll
    spin = panel.repeat_penalty
    before, scrolled = spin.value(), panel.verticalScrollBar().value()
    down = QWheelEvent(QPointF(5, 5), QPointF(spin.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, -120),
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(spin, down)
    assert spin.value() == before  # the pointer was only passing over it...
    assert panel.verticalScrollBar().value() > scrolled  # ...on the way down the panel
    spin.setFocus()
    QApplication.sendEvent(spin, down)
    assert spin.value() < before  # once chosen, the wheel adjusts it


def test_every_sampling_control_says_what_it_does(app: App) -> None:
    panel = app.window.settings_panel
    for control in (panel.temperature, panel.top_p, panel.top_k, panel.min_p, panel.repeat_penalty,
                    panel.max_tokens, panel.seed):
        assert len(control.toolTip().split()) >= 8, control.accessibleName()
    assert "most likely" in panel.temperature.toolTip()


def test_an_example_prompt_starts_the_conversation(qtbot, app: App, tiny_eos_model: Path) -> None:
    load(qtbot, app, tiny_eos_model)
    chat = app.window.chat
    assert chat.empty_state.isVisible() and len(chat.example_buttons) == 3
    example = chat.example_buttons[1]
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        qtbot.mouseClick(example, Qt.MouseButton.LeftButton)
    assert [m.content for m in app.session.path] == [example.text(), " Helloé!"]
    assert not chat.empty_state.isVisible()


def test_advanced_sampling_is_folded_until_asked_for(qtbot, app: App) -> None:
    panel = app.window.settings_panel
    assert panel.temperature.isVisible() and panel.top_p.isVisible() and panel.max_tokens.isVisible()
    assert not panel.top_k.isVisible() and not panel.seed.isVisible()
    qtbot.mouseClick(panel.advanced_toggle, Qt.MouseButton.LeftButton)
    assert panel.top_k.isVisible() and panel.min_p.isVisible() and panel.repeat_penalty.isVisible()
    assert panel.seed.isVisible()
    assert not panel.n_ctx.isVisible() and not panel.gpu_layers.isVisible() and not panel.threads.isVisible()
    qtbot.mouseClick(panel.loading_toggle, Qt.MouseButton.LeftButton)
    assert panel.n_ctx.isVisible() and panel.gpu_layers.isVisible() and panel.threads.isVisible()


def test_message_actions_are_icons_shown_on_hover_or_focus(qtbot, app: App, tiny_eos_model: Path) -> None:
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QEnterEvent, QFocusEvent

    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "hi")
    question, reply = (app.window.chat.widgets[m.id] for m in app.session.path)
    for widget in (question, reply):
        for button, _name in widget._tools:
            assert not button.icon().isNull() and button.toolTip() and button.accessibleName() == button.toolTip()
    assert reply._fade.opacity() == 1.0  # under the last reply they stay
    assert question._fade.opacity() == 0.0
    QApplication.sendEvent(question, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    assert question._fade.opacity() == 1.0
    QApplication.sendEvent(question, QEvent(QEvent.Type.Leave))
    assert question._fade.opacity() == 0.0
    edit_button = question._tools[0][0]
    assert edit_button.focusPolicy() & Qt.FocusPolicy.TabFocus  # reachable from the keyboard while unseen...
    QApplication.sendEvent(edit_button, QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.TabFocusReason))
    assert question._fade.opacity() == 1.0  # ...and shown once it has the focus
    QApplication.sendEvent(edit_button, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))
    assert question._fade.opacity() == 0.0


def test_the_model_bar_lists_local_models_and_loads_the_one_picked(qtbot, app: App, tiny_eos_model: Path,
                                                                   tiny_model: Path) -> None:
    import shutil

    library = app.window.models.models_dir
    library.mkdir(parents=True, exist_ok=True)
    shutil.copy(tiny_model, library / tiny_model.name)
    load(qtbot, app, tiny_eos_model)
    bar = app.window.model_bar
    assert "Tiny Test Instruct" in bar.combo.currentText() and "context" in bar.detail.text()
    bar.listRequested.emit()
    labels = [bar.combo.itemText(i) for i in range(bar.combo.count())]
    # both tiny models are called "Tiny Test Instruct": the file name tells them apart
    [index] = [i for i, label in enumerate(labels) if label.startswith("Tiny Test Instruct (tiny-hello.gguf) ·")]
    assert "Open a GGUF file…" in labels and "Connect to a server…" in labels
    with qtbot.waitSignal(app.inference.modelLoaded, timeout=LOAD_TIMEOUT_MS):
        bar.combo.activated.emit(index)
    assert app.inference.summary is not None and app.inference.summary.path.endswith("tiny-hello.gguf")
    assert bar.combo.currentIndex() == 0 and "tiny" in bar.combo.currentText().lower()


def test_every_button_has_a_name_a_screen_reader_can_say(qtbot, app: App, tiny_eos_model: Path) -> None:
    from PySide6.QtWidgets import QAbstractButton

    load(qtbot, app, tiny_eos_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
        send(qtbot, app, "hi")  # message blocks with their Copy/Edit/Regenerate buttons
    buttons = app.window.findChildren(QAbstractButton)
    assert len(buttons) > 20
    unnamed = [b for b in buttons if not (b.accessibleName() or b.text().strip("‹›✕＋ ").strip())
               and b.objectName() not in ("qt_spinbox_lineedit",)]
    assert not [(type(b).__name__, b.objectName(), b.toolTip()) for b in unnamed if b.isVisibleTo(app.window)]


def test_the_keyboard_goes_from_the_chats_to_the_message_box_and_its_buttons(app: App) -> None:
    app.start(None)
    window = app.window
    window.center.setCurrentWidget(window.chat_page)

    def next_tab_stop(widget):
        following = widget.nextInFocusChain()
        while not (following.focusPolicy() & Qt.FocusPolicy.TabFocus and following.isEnabled()
                   and following.isVisibleTo(window)):
            following = following.nextInFocusChain()
        return following

    order = [window.sidebar.new_button, window.sidebar.search, window.sidebar.list, window.model_bar.combo]
    for first, second in itertools.pairwise(order):
        assert next_tab_stop(first) is second, (first.accessibleName(), second.accessibleName())
    assert window.composer.input.tabChangesFocus()  # Tab leaves the message box instead of typing a tab
    assert next_tab_stop(window.composer.input) is window.chat_documents.button
    assert next_tab_stop(window.chat_documents.button) is window.composer.button


def test_the_conversation_is_a_centred_column_of_readable_width(qtbot) -> None:
    from chatapp.ui.chat_view import COLUMN_MARGIN, COLUMN_WIDTH, ChatView

    view = ChatView()
    qtbot.addWidget(view)
    view.resize(COLUMN_WIDTH + 600, 500)
    view.show()
    qtbot.waitUntil(lambda: view._layout.contentsMargins().left() == 300)
    assert view._layout.contentsMargins().right() == 300
    view.resize(500, 500)
    qtbot.waitUntil(lambda: view._layout.contentsMargins().left() == COLUMN_MARGIN)


def test_changing_a_chats_temperature_keeps_its_tools_and_documents(qtbot, app: App, tiny_eos_model: Path) -> None:
    """A chat's settings are layered and merged on write: the side panel's change of temperature once
    rewrote the chat's settings from the panel's fields alone and silently turned its tools off."""
    load(qtbot, app, tiny_eos_model)
    _weather_server(app)
    with qtbot.waitSignal(app.session.replyFinished, timeout=20_000):
        send(qtbot, app, "hi")
    app.session.set_tool_required(True)
    app.session.set_documents(["notes"])
    conv_id = app.session.conversation.id
    panel = app.window.settings_panel
    panel.temperature.slider.setValue(35)
    panel.flush()
    assert app.session.conversation.settings["temperature"] == 0.35
    assert (app.session.tool_servers(), app.session.tool_choice(), app.session.documents()) == (
        ["weather"], "required", ["notes"])
    app.session.new_conversation()
    app.session.open_conversation(conv_id)  # read back from the database
    assert app.session.settings().sampling.temperature == 0.35
    assert (app.session.tool_servers(), app.session.tool_choice(), app.session.documents()) == (
        ["weather"], "required", ["notes"])
    assert app.window.chat_tools.button.text() == "Tools: weather"
