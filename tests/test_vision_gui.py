"""Images in the window: attached with the button, by a drop and by a paste, shown in the composer and
in the sent message, refused in one sentence when they are not images, kept by the history and its
export."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog
from test_gui import LOAD_TIMEOUT_MS, app, load  # noqa: F401 - `app` is a fixture
from test_vision import BLUE, RED, png

from chatapp.app import App
from chatapp.core.storage.history import HistoryStore
from chatapp.core.storage.paths import default_paths


def drop(widget, mime: QMimeData) -> None:
    """A drag entering the widget, then the drop, as a file manager's would arrive."""
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_images_attached_by_button_drop_and_paste_are_sent_shown_and_kept(
        qtbot, app: App, vision_model: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    red.write_bytes(RED.data)
    blue.write_bytes(BLUE.data)
    app.start(None)
    load(qtbot, app, vision_model)
    composer = app.window.composer

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(red)], "Images"))
    qtbot.mouseClick(composer.image_button, Qt.MouseButton.LeftButton)
    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(blue))])
    drop(composer, files)
    picture = QImage(24, 16, QImage.Format.Format_RGB32)
    picture.fill(QColor(20, 200, 20))
    QGuiApplication.clipboard().setImage(picture)
    composer.input.setFocus()
    composer.input.paste()
    assert [i.sha256 for i in composer.images()][:2] == [RED.sha256, BLUE.sha256]
    assert len(composer.images()) == 3 and not composer.attachments.isHidden()
    assert len(composer.attachments.thumbnails()) == 3

    composer.input.setPlainText("What colours are these?")
    with qtbot.waitSignal(app.session.replyFinished, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(composer.button, Qt.MouseButton.LeftButton)
    assert composer.images() == () and composer.attachments.isHidden()  # sent: the composer is empty again
    user = app.session.path[0]
    assert len(user.images) == 3
    shown = app.window.chat.widgets[user.id]
    assert len(shown.images.thumbnails()) == 3
    reply = app.session.path[-1]
    assert reply.stats["prompt_tokens"] > 3 * 16  # the three images' tokens were in the prompt
    shown.images.thumbnails()[0].click()  # opens it full size
    viewer = shown.images.thumbnails()[0].viewer
    assert viewer is not None and viewer.isVisible()
    viewer.close()

    exported = tmp_path / "chat.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(exported), ""))
    with qtbot.waitSignal(app.history.exported, timeout=5_000):  # written on the storage thread
        app.window.conversations.export(app.session.conversation.id, "json")
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert [p["type"] for p in data["messages"][0]["content"]] == ["image_url"] * 3 + ["text"]
    store = HistoryStore(default_paths().database)
    try:
        copy = store.import_json(data)
        assert [i.data for i in store.active_path(copy.id)[0].engine_message(store.images).images][:2] == [
            RED.data, BLUE.data]
    finally:
        store.close()


def test_a_file_that_is_not_an_image_is_one_sentence_and_nothing_is_attached(
        qtbot, app: App, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    fake = tmp_path / "holiday.png"
    fake.write_text("this is text")
    broken = tmp_path / "broken.png"
    broken.write_bytes(png(8, 8, (1, 2, 3))[:40])
    app.start(None)
    composer = app.window.composer
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(fake), str(broken)], "Images"))
    qtbot.mouseClick(composer.image_button, Qt.MouseButton.LeftButton)
    assert composer.images() == ()
    assert "broken.png is not an image chatapp can read" in app.window.error_banner.label.text()


def test_a_model_that_cannot_see_refuses_the_images_before_sending(qtbot, app: App,  # noqa: F811
                                                                   instruct_model: Path) -> None:
    app.start(None)
    load(qtbot, app, instruct_model)
    app.window.composer.attach([RED])
    app.window.composer.input.setPlainText("What is this?")
    qtbot.mouseClick(app.window.composer.button, Qt.MouseButton.LeftButton)
    assert "cannot see images" in app.window.error_banner.label.text()
    assert app.session.path == [] and app.window.composer.images() == (RED,)  # nothing lost, nothing sent


def test_a_recording_is_attached_shown_refused_by_a_model_that_cannot_hear_and_heard_by_one_that_can(
        qtbot, app: App, instruct_model: Path, hearing_model: Path, tmp_path: Path,  # noqa: F811
        monkeypatch) -> None:
    from test_audio_input import A, B

    from chatapp.core.images import read_recording
    from chatapp.ui.images import RecordingChip

    dropped, chosen = tmp_path / "question.wav", tmp_path / "other.wav"
    dropped.write_bytes(A.data)
    chosen.write_bytes(B.data)
    app.start(None)
    load(qtbot, app, instruct_model)
    composer = app.window.composer
    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(dropped))])
    drop(composer, files)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(chosen)], "Recordings"))
    qtbot.mouseClick(composer.image_button, Qt.MouseButton.LeftButton)
    assert composer.images() == (A, B)
    assert [chip.text() for chip in composer.attachments.findChildren(RecordingChip)] == ["WAV 0:01"] * 2
    speech = Path(__file__).parent / "speech" / "en_fox.flac"  # 3.4 s, its length read from STREAMINFO
    assert RecordingChip(read_recording(speech)).text() == "FLAC 0:03"

    composer.input.setPlainText("What did I say?")
    qtbot.mouseClick(composer.button, Qt.MouseButton.LeftButton)
    assert "cannot listen to recordings: load a model with an audio projector" in app.window.error_banner.label.text()
    assert app.session.path == [] and composer.images() == (A, B)  # nothing lost, nothing sent

    load(qtbot, app, hearing_model)
    with qtbot.waitSignal(app.session.replyFinished, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(composer.button, Qt.MouseButton.LeftButton)
    assert composer.images() == ()
    user, reply = app.session.path[0], app.session.path[-1]
    assert [ref.mime for ref in user.images] == ["audio/wav"] * 2
    assert len(app.window.chat.widgets[user.id].images.findChildren(RecordingChip)) == 2
    assert app.window.model_bar._current_label.endswith(" · hears audio")
    assert reply.stats["prompt_tokens"] > 2 * 15  # both recordings' tokens were in the prompt
