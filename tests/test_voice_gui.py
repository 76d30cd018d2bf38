"""Voice in the window (pytest-qt, the real App, the demo speech models): dictation fills the message box,
a reply is read aloud and stopped, and voice mode holds two turns with the demo chat model and stops a
reply spoken over. The microphone is the same seam with recordings played in at the pace of speech
(espeak-ng's, tests/speech/); the speakers, an output that takes the time playing would."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from test_gui import LOAD_TIMEOUT_MS, app, load  # noqa: F401  (the fixture)
from test_voice_models import voice_hub  # noqa: F401  (the fixture)

from chatapp.app import App
from chatapp.core.models.library import demo_model_path
from chatapp.ui.chat_view import MessageWidget
from chatapp.voice.audio import read_audio
from chatapp.voice.capture import RecordingSource
from chatapp.voice.playback import TimedOutput

SPEECH = Path(__file__).resolve().parent / "speech"
HEARING_MS = 60_000  # a recording played in, then written down (on two cores, beside the chat model)


def recording(name: str):
    return read_audio(SPEECH / f"{name}.flac")


def test_dictation_fills_the_message_box_and_esc_cancels(qtbot, app: App) -> None:  # noqa: F811
    microphone = RecordingSource(recording("en_report"), pace=2.0)
    app.attach_voice(lambda: microphone, TimedOutput(pace=8))
    composer = app.window.composer
    composer.input.setPlainText("Note:")
    qtbot.mouseClick(composer.mic_button, Qt.MouseButton.LeftButton)
    assert composer.voice_state.text() == "Listening…" and composer.input.isReadOnly()
    with qtbot.waitSignal(app.voice.partial, timeout=HEARING_MS):  # the words appear while it is said
        pass
    qtbot.waitUntil(lambda: microphone.said == 1, timeout=HEARING_MS)
    with qtbot.waitSignal(app.voice.dictated, timeout=HEARING_MS):
        qtbot.mouseClick(composer.mic_button, Qt.MouseButton.LeftButton)  # done: write it down
    text = composer.text()
    assert text.startswith("Note: Please send the quarterly report"), text
    assert not composer.input.isReadOnly() and not composer.mic_button.isChecked()

    microphone.say(recording("en_question"))
    composer.input.setPlainText("Kept as it was")
    qtbot.mouseClick(composer.mic_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(composer.input, Qt.Key.Key_Escape)  # cancelled: nothing is written
    assert composer.text() == "Kept as it was" and not composer.mic_button.isChecked()
    assert app.voice.listener.mode == ""


def test_a_reply_is_read_aloud_and_stopped(qtbot, app: App) -> None:  # noqa: F811
    output = TimedOutput(pace=1.0)
    app.attach_voice(lambda: RecordingSource(), output)
    store = app.session.store
    chat = store.create_conversation("Reading")
    question = store.add_message(chat.id, "user", "Tell me about tides.")
    reply = store.add_message(chat.id, "assistant", "Tides are **long waves**. The moon pulls the sea toward it. "
                              "```python\nprint('not read')\n```\nTwo tides come each day.", parent_id=question.id)
    follow_up = store.add_message(chat.id, "user", "And waves?", parent_id=reply.id)
    second = store.add_message(chat.id, "assistant", "Waves are made by the wind.", parent_id=follow_up.id)
    app.session.open_conversation(chat.id)
    widget, other = app.window.chat.widgets[reply.id], app.window.chat.widgets[second.id]
    assert isinstance(widget, MessageWidget) and widget.read_button is not None
    assert isinstance(other, MessageWidget) and other.read_button is not None
    other.read_button.click()  # asked, then another asked before it began: only the last one is read
    with qtbot.waitSignal(app.voice.speakingStarted, timeout=30_000) as started:
        widget.read_button.click()
    assert started.args == [reply.id] and widget.read_button.isChecked() and not other.read_button.isChecked()
    assert widget.read_button.toolTip() == "Stop reading"
    with qtbot.waitSignal(app.voice.speakingFinished, timeout=10_000) as finished:
        widget.read_button.click()  # stop
    assert finished.args == [reply.id] and not widget.read_button.isChecked()
    assert len(output.played) == 1  # stopped during the first sentence

    with qtbot.waitSignal(app.voice.speakingFinished, timeout=60_000):
        widget.read_button.click()
        output.pace = 50  # the rest quickly: read to its end, the button lets go by itself
    assert not widget.read_button.isChecked()
    assert len(output.played) >= 4  # the first sentence again, then the others ("code block" included)


def test_voice_mode_two_turns_and_a_reply_stopped_by_speaking(qtbot, app: App, tiny_long_model) -> None:  # noqa: F811
    microphone = RecordingSource(pace=1.0)
    output = TimedOutput(pace=1.0)
    app.attach_voice(lambda: microphone, output)
    load(qtbot, app, demo_model_path())
    panel = app.window.settings_panel
    panel.max_tokens.setValue(24)
    panel.flush()
    composer = app.window.composer
    qtbot.mouseClick(composer.voice_button, Qt.MouseButton.LeftButton)
    assert app.voice.state == "listening" and composer.voice_state.text() == "Listening…"

    microphone.say(recording("en_question"))  # turn one: the question is heard, sent and answered aloud
    with qtbot.waitSignal(app.voice.heard, timeout=HEARING_MS) as heard:
        pass
    assert "capital city" in heard.args[0]
    with qtbot.waitSignal(app.voice.speakingFinished, timeout=LOAD_TIMEOUT_MS):
        pass
    qtbot.waitUntil(lambda: app.voice.state == "listening", timeout=10_000)
    first_reply = app.session.path[-1]
    assert first_reply.role == "assistant" and output.played  # the reply was spoken
    assert [m.content for m in app.session.path if m.role == "user"] == [heard.args[0]]

    load(qtbot, app, tiny_long_model)  # turn two: a reply that would never end ("Hello world." again and again)
    panel.max_tokens.setValue(1_000_000)
    panel.flush()
    output.played.clear()
    microphone.say(recording("en_weather"))
    with qtbot.waitSignal(app.voice.heard, timeout=HEARING_MS):
        pass
    qtbot.waitUntil(lambda: bool(output.played), timeout=LOAD_TIMEOUT_MS)  # the reply has begun to be spoken
    heard_next: list[str] = []
    app.voice.heard.connect(heard_next.append)
    spoken_at_barge_in: list[int] = []
    app.voice.bargedIn.connect(lambda: spoken_at_barge_in.append(len(output.played)))
    finished: list = []
    app.session.replyFinished.connect(finished.append)
    with qtbot.waitSignal(app.voice.bargedIn, timeout=HEARING_MS):
        microphone.say(recording("en_fox"))  # speaking over it stops the voice and the reply
    qtbot.waitUntil(lambda: bool(finished), timeout=30_000)
    reply = finished[0]
    assert (reply.stats or {}).get("finish_reason") == "cancelled", reply  # the reply stopped too
    qtbot.waitUntil(lambda: bool(heard_next), timeout=HEARING_MS)  # ...and what was said is the next turn
    assert "fox" in heard_next[0].lower()
    qtbot.waitUntil(lambda: [m.content for m in app.session.path if m.role == "user"][-1:] == heard_next,
                    timeout=10_000)
    assert len(output.played) <= spoken_at_barge_in[0] + 1  # the voice stopped when it was spoken over

    qtbot.mouseClick(composer.voice_button, Qt.MouseButton.LeftButton)
    assert app.voice.state == "off" and composer.voice_state.text() == ""


def test_a_voice_downloaded_from_settings_can_be_chosen(qtbot, app: App, voice_hub) -> None:  # noqa: F811
    app.attach_voice(lambda: RecordingSource(), TimedOutput(pace=8))
    box = app.window.voice_box
    speech = box.speech
    names = [speech.available.item(i).text().split(" · ")[0] for i in range(speech.available.count())]
    assert "en_US-amy-medium" in names and "whisper-base" not in names  # what is here is not offered
    speech.available.setCurrentRow(names.index("en_US-amy-medium"))
    with qtbot.waitSignal(app.voice.downloadFinished, timeout=60_000) as finished:
        speech.download_button.click()
    assert finished.args == ["en_US-amy-medium", ""]
    assert speech.download_state.text() == "en_US-amy-medium is ready."
    assert box.voice.findData("en_US-amy-medium") >= 0  # now a voice to choose
    assert "en_US-amy-medium" not in [speech.available.item(i).text() for i in range(speech.available.count())]
    box.voice.setCurrentIndex(box.voice.findData("en_US-amy-medium"))
    assert app.session.app_settings.voice_name == "en_US-amy-medium"

    speech.available.setCurrentRow(0)  # one the fake hub does not hold: a sentence, not a hang
    with qtbot.waitSignal(app.voice.downloadFinished, timeout=60_000) as failed:
        speech.download_button.click()
    assert failed.args[1] and speech.download_button.isEnabled()


def test_the_model_manager_has_a_voice_section_that_lists_and_downloads_speech_models(
        qtbot, app: App, voice_hub) -> None:  # noqa: F811
    manager = app.window.open_model_manager()  # before voice is attached: the section comes with it
    assert manager.sections.count() == 1
    app.attach_voice(lambda: RecordingSource(), TimedOutput(pace=8))
    assert [manager.sections.tabText(i) for i in range(manager.sections.count())] == ["Language models", "Voice"]
    manager.show_section("voice")
    section = manager.voice_section
    assert section is not None and section.installed is not None
    installed = {section.installed.item(r, 0).text(): [section.installed.item(r, c).text() for c in (1, 2, 3)]
                 for r in range(section.installed.rowCount())}
    assert installed["whisper-base"][:2] == ["speech recognition", "many"]  # the demo set, with sizes
    joined = (app.voice.engines.data_dir / "voice" / "whisper-base" / "model.bin").is_file()  # on first use
    assert installed["whisper-base"][2].endswith(" MB") if joined else installed["whisper-base"][2] == "—"
    (demo_voice,) = [name for name, row in installed.items() if row[0] == "voice"]
    assert installed[demo_voice][1] == "en_US"
    names = [section.available.item(i).text().split(" · ")[0] for i in range(section.available.count())]
    section.available.setCurrentRow(names.index("en_US-amy-medium"))
    with qtbot.waitSignal(app.voice.downloadFinished, timeout=60_000):
        section.download_button.click()
    rows = [section.installed.item(r, 0).text() for r in range(section.installed.rowCount())]
    assert "en_US-amy-medium" in rows and section.download_state.text() == "en_US-amy-medium is ready."
    assert app.window.voice_box.voice.findData("en_US-amy-medium") >= 0  # Settings → Voice knows it too
    speech = app.window.voice_box.speech
    assert "en_US-amy-medium" not in [speech.available.item(i).text() for i in range(speech.available.count())]


class UnpluggedOutput(TimedOutput):
    """Speakers pulled out during the first sentence (a fault no test machine can cause otherwise)."""

    def __init__(self) -> None:
        super().__init__(pace=20)
        self.unplugged = True

    def play(self, samples, rate, cancel) -> None:  # type: ignore[no-untyped-def]
        if self.unplugged:
            self.unplugged = False
            raise RuntimeError("Error opening OutputStream: Device unavailable [PaErrorCode -9985]")
        super().play(samples, rate, cancel)


def test_speakers_failing_mid_sentence_are_one_sentence_and_reading_works_again(qtbot, app: App) -> None:  # noqa: F811
    output = UnpluggedOutput()
    app.attach_voice(lambda: RecordingSource(), output)
    store = app.session.store
    chat = store.create_conversation("Unplugged")
    question = store.add_message(chat.id, "user", "Hi")
    reply = store.add_message(chat.id, "assistant", "Hello there. How can I help?", parent_id=question.id)
    app.session.open_conversation(chat.id)
    widget = app.window.chat.widgets[reply.id]
    with qtbot.waitSignal(app.voice.failed, timeout=30_000) as failed:
        widget.read_button.click()
    assert failed.args == ["The sound output stopped working (was it unplugged?); reading stopped."]
    qtbot.waitUntil(lambda: app.window.error_banner.isVisible() and not widget.read_button.isChecked(),
                    timeout=10_000)
    with qtbot.waitSignal(app.voice.speakingFinished, timeout=30_000):  # plugged back in: it reads again
        widget.read_button.click()
    assert len(output.played) == 2  # both sentences, this time


def test_no_microphone_and_no_speakers_are_one_sentence_each(qtbot, app: App) -> None:  # noqa: F811
    """The real microphone and speakers on a machine with no sound devices (CI's, this one's): without the
    PortAudio library at all, the sentence says to install it; with it but no device, to check the device."""
    from chatapp.voice import devices

    if devices.input_devices() or devices.output_devices():
        pytest.skip("this machine has sound devices")
    try:
        devices.sound_library()
        no_library = False
    except devices.NoSoundLibrary:
        no_library = True
    library = "Sound needs the PortAudio library, which is not installed here (on Linux, the libportaudio2 package)."
    app.attach_voice()  # the real seams: sounddevice's microphone and speakers
    composer = app.window.composer
    composer.input.setPlainText("draft")
    qtbot.mouseClick(composer.mic_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window.error_banner.isVisible(), timeout=10_000)
    banner = app.window.error_banner.label.text()
    assert banner == library if no_library else banner.startswith("No microphone can be used (")
    assert not composer.mic_button.isChecked() and composer.text() == "draft" and not composer.input.isReadOnly()

    store = app.session.store
    chat = store.create_conversation("Silent")
    question = store.add_message(chat.id, "user", "Hi")
    reply = store.add_message(chat.id, "assistant", "Hello there.", parent_id=question.id)
    app.session.open_conversation(chat.id)
    app.window.error_banner.hide()
    widget = app.window.chat.widgets[reply.id]
    with qtbot.waitSignal(app.voice.failed, timeout=30_000) as failed:
        widget.read_button.click()
    if no_library:
        assert failed.args[0] == library
    else:
        assert failed.args[0].startswith("No sound output device can be used (")
        assert failed.args[0].endswith("choose another in Settings → Voice.")
    qtbot.waitUntil(lambda: not widget.read_button.isChecked(), timeout=10_000)


def test_a_chat_read_with_its_own_voice_and_another_with_the_apps(qtbot, app: App, voice_hub) -> None:  # noqa: F811
    from chatapp.core.storage.paths import resource_path
    from chatapp.voice import catalogue, models

    entries = {e.name: e for e in catalogue.load_catalogue(resource_path("voice_catalogue.json"))}
    amy = catalogue.download(entries["en_US-amy-medium"], app.paths.data_dir)
    app.attach_voice(lambda: RecordingSource(), TimedOutput(pace=50))
    panel = app.window.settings_panel
    assert panel.voice.findData("en_US-amy-medium") >= 0  # the voices here are offered per chat
    store = app.session.store

    def chat_with_reply(title: str) -> str:
        chat = store.create_conversation(title)
        question = store.add_message(chat.id, "user", "Hi")
        reply = store.add_message(chat.id, "assistant", "Hello there.", parent_id=question.id)
        app.session.open_conversation(chat.id)
        return reply.id

    def read(reply_id: str) -> Path:
        with qtbot.waitSignal(app.voice.speakingFinished, timeout=30_000):
            app.window.chat.widgets[reply_id].read_button.click()
        return app.voice.engines._speaker[1]  # the voice it was read with

    own = chat_with_reply("Read by Amy")
    panel.voice.setCurrentIndex(panel.voice.findData("en_US-amy-medium"))
    panel.voice_speed.setValue(1.5)
    panel.flush()
    assert app.session.settings().voice == "en_US-amy-medium" and app.session.settings().voice_speed == 1.5
    assert read(own) == amy

    plain = chat_with_reply("Read as in Settings")
    assert panel.voice.currentData() == "" and panel.voice_speed.value() == 0.0  # "As in Settings"
    assert read(plain) == models.find_voice(app.paths.data_dir)  # the app's (the demo's)
