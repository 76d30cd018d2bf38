"""README screenshots of the real window, on the demo model, in a throwaway data folder.

    xvfb-run -s "-screen 0 1400x900x24" python packaging/screenshots.py [--language zh_CN] [NAME ...]

NAME is one of the scenes below (all by default; with --language zh_CN, those whose name ends in
-zh_CN, which show the window in Simplified Chinese); each is written to docs/screenshots/NAME.png. Run
under a real (virtual) X screen, not QT_QPA_PLATFORM=offscreen, so fonts and styles render as users
see them (Debian: xvfb, libxcb-cursor0, libxkbcommon-x11-0, fonts-noto-cjk). Look at every PNG
before committing it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))


def _settle(ms: int = 300) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait(signal: object, timeout_ms: int = 60_000) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def _app_with_demo() -> object:
    from chatapp.app import App
    from chatapp.core.models.library import demo_model_path
    from chatapp.core.storage.paths import default_paths

    app = App(default_paths())
    app.window.resize(1200, 780)
    app.window.show()
    _settle()
    app.window.load_model(demo_model_path())
    _wait(app.inference.modelLoaded)
    _settle()
    return app


def _save_screen(window: object, name: str) -> None:
    """The window as the screen shows it, popups over it included (`_save` draws the widget alone)."""
    from PySide6.QtGui import QGuiApplication

    frame = window.frameGeometry()  # type: ignore[attr-defined]
    shot = QGuiApplication.primaryScreen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    OUT.mkdir(parents=True, exist_ok=True)
    shot.save(str(OUT / f"{name}.png"))
    print(OUT / f"{name}.png")


def _save(widget: object, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))  # type: ignore[attr-defined]
    print(path)


def settings_dialog(app: object) -> None:
    dialog = app.window.open_app_settings("appearance")  # type: ignore[attr-defined]
    dialog.resize(760, 520)
    _settle()
    _save(dialog, "settings-dialog")
    dialog.close()


def _serving_two_models(app: object) -> str:
    """The window's API server on, a client's request for Gemma 3 (from the library) answered beside the
    window's demo model; the server's URL."""
    import threading

    import openai

    from chatapp.core.storage.paths import default_paths

    sys.path.insert(0, str(ROOT / "tests"))
    from real_models import gemma_path

    models = default_paths().models_dir
    models.mkdir(parents=True, exist_ok=True)
    if not (models / gemma_path().name).exists():
        (models / gemma_path().name).symlink_to(gemma_path())
    service = app.api_server  # type: ignore[attr-defined]
    if service.server is None:
        box = app.window.servers.api_box  # type: ignore[attr-defined]
        box.port.setValue(8080)
        box.enabled.setChecked(True)
        _settle()
    url = service.server.url
    done = threading.Event()

    def ask() -> None:
        client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=120)
        client.completions.create(model="gemma-3-270m-q4_k_m", prompt="The capital of France is", max_tokens=8)
        done.set()

    threading.Thread(target=ask, daemon=True).start()
    while not done.is_set():
        _settle(100)
    return str(url)


def local_server(app: object) -> None:
    _serving_two_models(app)
    dialog = app.window.open_app_settings("api")  # type: ignore[attr-defined]
    dialog.resize(820, 640)
    app.window.servers.loaded_box.refresh()  # type: ignore[attr-defined]
    _settle()
    _save(dialog, "local-server")
    dialog.close()


def tray_menu(app: object) -> None:
    from PySide6.QtCore import QPoint

    url = _serving_two_models(app)
    tray = app.tray  # type: ignore[attr-defined]
    tray.show_server(url, 3)
    tray.menu.popup(QPoint(200, 200))
    _settle()
    _save(tray.menu, "tray-menu")
    tray.menu.hide()


def settings_panel(app: object) -> None:
    window = app.window  # type: ignore[attr-defined]
    window.settings_panel.show()
    window.settings_panel.advanced_toggle.setChecked(True)
    window.resize(1200, 900)
    _settle()
    _save(window.settings_panel, "settings-panel")


def structured_output(app: object) -> None:
    import json

    window = app.window  # type: ignore[attr-defined]
    window.session.new_conversation()
    panel = window.settings_panel
    panel.show()
    panel.json_enabled.setChecked(True)
    panel.schema_edit.setPlainText(json.dumps({
        "type": "object", "properties": {"city": {"type": "string", "maxLength": 24}, "sunny": {"type": "boolean"},
                                         "temperature_c": {"type": "integer", "minimum": -40, "maximum": 50}},
        "required": ["city", "sunny", "temperature_c"]}, indent=1))
    panel.flush()
    window.composer.input.setPlainText("What is the weather like in Lisbon today?")
    window._send("What is the weather like in Lisbon today?")
    _wait(window.session.replyFinished)
    _settle(500)
    _save(window, "structured-output")


def tool_card(app: object) -> None:
    """The demo model asked for the weather in Lisbon, with the tests' MCP server: the card asking
    first, then the call's card unfolded and the answer."""
    import sys

    from chatapp.core.tools.mcp_config import McpServerConfig

    window = app.window  # type: ignore[attr-defined]
    window.session.new_conversation()
    server = ROOT / "tests" / "mcp_servers" / "weather_server.py"
    window.chat_tools.box.add_server(McpServerConfig("weather", command=sys.executable, args=(str(server),)))
    window.session.set_tool_servers(["weather"])
    window.session.set_tool_required(True)  # a 135M model would rather answer from memory
    window.chat_tools._fill_menu()
    window.composer.input.setPlainText("What is the weather like in Lisbon?")
    window._send("What is the weather like in Lisbon?")
    for _ in range(200):
        _settle(100)
        if window.chat.permission_cards:
            break
    _settle(300)
    _save(window, "tool-permission")
    for card in list(window.chat.permission_cards.values()):
        card.allow.click()
    _wait(window.session.replyFinished)
    _settle(300)
    from chatapp.ui.tool_cards import ToolCard

    for widget in window.chat.widgets.values():
        if isinstance(widget, ToolCard):
            widget.toggle.setChecked(True)
    while window.session.busy:
        _settle(200)
        for card in list(window.chat.permission_cards.values()):
            card.deny.click()
    _settle(500)
    _save(window, "tool-card")


def _picture(width: int, height: int) -> bytes:
    """A drawn landscape (sky, sun, hills) as PNG: a picture to ask about without shipping a photo."""
    from PySide6.QtCore import QBuffer, QIODevice, QPointF, Qt
    from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPolygonF

    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    sky = QLinearGradient(0, 0, 0, height)
    sky.setColorAt(0, QColor("#f6a04d"))
    sky.setColorAt(1, QColor("#fbe3b0"))
    painter.fillRect(image.rect(), sky)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#fff4d6"))
    painter.drawEllipse(QPointF(width * 0.7, height * 0.45), height * 0.14, height * 0.14)
    for colour, top in (("#6b8f4e", 0.62), ("#3f6b3a", 0.74)):
        painter.setBrush(QColor(colour))
        points = [QPointF(x * width / 8, height * (top - 0.06 * ((x % 3) - 1))) for x in range(9)]
        painter.drawPolygon(QPolygonF([QPointF(0, height), *points, QPointF(width, height)]))
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(buffer.data().data())


def _demo_with_projector(app: object, name: str, write: Callable[[Path], object]) -> object:
    """The demo model copied into a library folder of its own with a test projector beside it (written by
    `write`), loaded, and a new chat open: the window."""
    import shutil

    from chatapp.core.models.library import demo_model_path
    from chatapp.core.storage.paths import default_paths

    window = app.window  # type: ignore[attr-defined]
    folder = default_paths().models_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / demo_model_path().name
    shutil.copyfile(demo_model_path(), model)
    write(folder / f"mmproj-{name}-f32.gguf")
    window.load_model(model)
    _wait(app.inference.modelLoaded)  # type: ignore[attr-defined]
    window.session.new_conversation()
    return window


def vision(app: object) -> None:
    """A question about a picture, on the demo model with a test projector beside it (random weights:
    it cannot really see; the screenshot shows the window, not an answer)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from tiny_mmproj import write_tiny_mmproj

    from chatapp.ui import images

    window = _demo_with_projector(app, "vision-demo", lambda path: write_tiny_mmproj(path, n_embd_text=576))
    window.composer.attach([images.prepare(_picture(640, 400), "landscape.png")])
    window.composer.input.setPlainText("Describe this picture in one sentence.")
    window._send("Describe this picture in one sentence.")
    _wait(window.session.replyFinished)
    window.composer.attach([images.prepare(_picture(400, 400), "square.png")])
    window.composer.input.setPlainText("And this one?")
    _settle(500)
    _save(window, "vision")


def _fake_modelscope() -> object:
    """tests/fake_modelscope.py with the official Qwen3 and other GGUF repositories as ModelScope names them
    (files sparse, so sizes are real and nothing is downloaded)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fake_hub import FakeFile, FakeRepo
    from fake_modelscope import FakeModelScope

    folder = Path(tempfile.mkdtemp(prefix="chatapp-shots-ms-"))

    def sparse(name: str, size: int) -> FakeFile:
        path = folder / name
        with path.open("wb") as fh:
            fh.truncate(size)
        return FakeFile(path=path)

    server = FakeModelScope().start()
    server.faults.advertise_sha256 = "0" * 64  # listing only: no need to hash the sparse files
    gib = 1 << 30
    for repo, files, downloads in (
        ("Qwen/Qwen3-8B-GGUF", {"Qwen3-8B-Q4_K_M.gguf": 5.03, "Qwen3-8B-Q5_K_M.gguf": 5.85,
                                "Qwen3-8B-Q6_K.gguf": 6.73, "Qwen3-8B-Q8_0.gguf": 8.71}, 48_211),
        ("Qwen/Qwen3-4B-GGUF", {"Qwen3-4B-Q4_K_M.gguf": 2.50, "Qwen3-4B-Q8_0.gguf": 4.28}, 39_874),
        ("Qwen/Qwen3-0.6B-GGUF", {"Qwen3-0.6B-Q8_0.gguf": 0.64}, 35_102),
        ("Qwen/Qwen3-VL-4B-Instruct-GGUF", {"Qwen3VL-4B-Instruct-Q4_K_M.gguf": 2.50,
                                            "mmproj-Qwen3VL-4B-Instruct-F16.gguf": 0.83}, 12_530),
        ("unsloth/Qwen3-4B-Instruct-2507-GGUF", {"Qwen3-4B-Instruct-2507-Q4_K_M.gguf": 2.50}, 9_876),
    ):
        server.add_repo(FakeRepo(repo, {name: sparse(name, int(size * gib)) for name, size in files.items()},
                                 downloads=downloads, likes=downloads // 90, last_modified="2026-11-20T08:00:00Z"))
    os.environ["MODELSCOPE_DOMAIN"] = server.url
    return server


def _model_manager_on_modelscope(app: object, name: str) -> None:
    from chatapp.core.models.sources import MODELSCOPE

    _fake_modelscope()
    window = app.window  # type: ignore[attr-defined]
    window.models.set_source(MODELSCOPE)
    manager = window.open_model_manager()
    manager.resize(1000, 680)
    manager.search_box.setText("qwen3")
    manager._search()
    _wait(window.models.searchDone, 10_000)
    manager.results.setCurrentRow(0)
    _wait(window.models.filesListed, 10_000)
    _settle(500)
    _save(manager, name)
    manager.close()


def model_manager(app: object) -> None:
    """The model manager as it opens: the recommended models (on Hugging Face), the library below."""
    window = app.window  # type: ignore[attr-defined]
    manager = window.open_model_manager()
    manager.resize(1000, 680)
    manager.results.setCurrentRow(-1)
    _settle(500)
    _save(manager, "model-manager")
    manager.close()


def model_manager_modelscope(app: object) -> None:
    _model_manager_on_modelscope(app, "model-manager-modelscope")


def model_manager_modelscope_zh(app: object) -> None:
    _model_manager_on_modelscope(app, "model-manager-modelscope-zh_CN")


def source_suggestion_zh(app: object) -> None:
    """The model manager's first opening under a Chinese locale: the offer of a mirror or ModelScope."""
    window = app.window  # type: ignore[attr-defined]
    window.models.source_chosen = False
    window.models.suggest_on_first_use = True
    manager = window.open_model_manager()
    manager.resize(1000, 680)
    _settle(500)
    _save(manager, "source-suggestion-zh_CN")
    manager.close()


def settings_downloads_zh(app: object) -> None:
    dialog = app.window.open_app_settings("downloads")  # type: ignore[attr-defined]
    dialog.resize(760, 520)
    _settle()
    _save(dialog, "settings-downloads-zh_CN")
    dialog.close()


def main_window_zh(app: object) -> None:
    window = app.window  # type: ignore[attr-defined]
    window.session.new_conversation()
    prompt = "Write a haiku about the sea."
    window._send(prompt)
    _wait(window.session.replyFinished)
    _settle(500)
    _save(window, "main-window-zh_CN")


def _token_view(app: object, name: str, prompt: str) -> None:
    """A reply with its Tokens switch on and one token's candidates open (the window and its popup,
    grabbed from the screen together)."""
    from PySide6.QtCore import QPoint, QUrl
    from PySide6.QtGui import QCursor

    window = app.window  # type: ignore[attr-defined]
    window.session.new_conversation()
    if not window.token_view_action.isChecked():
        window.token_view_action.trigger()
    window.settings_panel.max_tokens.setValue(40)
    window.settings_panel.flush()
    window._send(prompt)
    _wait(window.session.replyFinished)
    reply = window.session.path[-1]
    widget = window.chat.widgets[reply.id]
    widget.tokens_button.click()
    _settle(300)
    from chatapp.ui import token_view

    units = token_view.units(widget.token_view)
    # A token the model was unsure about: the one drawn with the least probability, past the first few.
    pick = min(units[3:] or units, key=lambda u: u.probability)
    QCursor.setPos(widget.body.mapToGlobal(QPoint(60, widget.body.height())))
    widget._on_link(QUrl(f"tok:{pick.first}"))
    _settle(500)
    _save_screen(window, name)
    widget.candidates.close()


def token_view_en(app: object) -> None:
    _token_view(app, "token-view", "Write one sentence about the sea.")


def token_view_zh(app: object) -> None:
    _token_view(app, "token-view-zh_CN", "用一句话介绍大海。")


def _presets(app: object, name: str) -> None:
    """The side panel with a built-in preset applied and the preset list open (grabbed from the screen
    with its popup)."""

    window = app.window  # type: ignore[attr-defined]
    window.session.new_conversation()
    window.settings_panel.show()
    box = window.preset_box
    index = 1  # the translator
    box.combo.setCurrentIndex(index)
    box.combo.activated.emit(index)
    _settle(300)
    box.combo.showPopup()
    _settle(500)
    _save_screen(window, name)
    box.combo.hidePopup()


def projects(app: object) -> None:
    """The sidebar with chats under two projects (one folded) and a chat in one, its instructions applied."""
    window = app.window  # type: ignore[attr-defined]
    store = window.session.store
    thesis = store.create_project("Thesis: coastal erosion", "You help me write my thesis on coastal erosion. "
                                  "Cite the documents you are given.")
    kitchen = store.create_project("Kitchen", "Suggest recipes from what I have.")
    for title, project in (("Sea-level data sources", thesis), ("Chapter 2 outline", thesis),
                           ("Dinner with leftovers", kitchen), ("Bread starter", kitchen), ("Weekend plans", None)):
        conv = store.create_conversation(title)
        if project is not None:
            store.move_conversation(conv.id, project.id)
    window.sidebar.folded.add(kitchen.id)
    window.new_chat_in_project(thesis.id)
    window._send("Which chapter should explain tidal ranges?")
    _wait(window.session.replyFinished)
    window.conversations.refresh()
    _settle(800)
    _save(window, "projects")


def _voice(app: object) -> tuple[object, object]:
    """Voice attached once: a recording of espeak-ng's played in as the microphone (tests/speech/), and an
    output that takes five times as long as playing would, so a reply is still being read for the picture."""
    from chatapp.voice.capture import RecordingSource
    from chatapp.voice.playback import TimedOutput

    if getattr(app, "voice", None) is None:
        source, output = RecordingSource(), TimedOutput(pace=0.2)
        app.attach_voice(lambda: source, output)  # type: ignore[attr-defined]
        app._shots_voice = (source, output)  # type: ignore[attr-defined]
    return app._shots_voice  # type: ignore[attr-defined,no-any-return]


def _speech(name: str) -> object:
    from chatapp.voice.audio import read_audio

    return read_audio(ROOT / "tests" / "speech" / f"{name}.flac")


def voice(app: object) -> None:
    """A reply being read aloud (its speaker button pressed) while the next question is dictated."""
    window = app.window  # type: ignore[attr-defined]
    source, _output = _voice(app)
    window.session.new_conversation()
    window._send("Why is the sea salty?")
    _wait(window.session.replyFinished)
    _settle()
    reply = window.chat.widgets[window.session.path[-1].id]
    reply.read_button.click()
    _wait(app.voice.speakingStarted)  # type: ignore[attr-defined]
    source.say(_speech("en_report"))  # type: ignore[attr-defined]
    window.composer.mic_button.click()
    _wait(app.voice.partial)  # type: ignore[attr-defined]
    _wait(app.voice.partial)  # type: ignore[attr-defined]
    _settle(500)
    _save_screen(window, "voice")
    window.composer.mic_button.click()
    _wait(app.voice.dictated)  # type: ignore[attr-defined]
    app.voice.stop_reading()  # type: ignore[attr-defined]
    window.composer.clear()


def voice_mode(app: object) -> None:
    """Voice mode: the question heard and sent, the reply being spoken ("Replying…")."""
    window = app.window  # type: ignore[attr-defined]
    source, _output = _voice(app)
    window.session.new_conversation()
    window.settings_panel.temperature.setValue(0.2)  # the demo model keeps to the question
    window.settings_panel.max_tokens.setValue(120)
    window.settings_panel.flush()
    window.composer.voice_button.click()
    source.say(_speech("en_question"))  # type: ignore[attr-defined]
    _wait(app.voice.heard)  # type: ignore[attr-defined]
    _wait(window.session.replyFinished)  # (a one-sentence reply is spoken once it is complete)
    _wait(app.voice.speakingStarted)  # type: ignore[attr-defined]
    _settle(500)
    _save_screen(window, "voice-mode")
    window.composer.voice_button.click()


def settings_voice(app: object) -> None:
    _voice(app)
    window = app.window  # type: ignore[attr-defined]
    window.open_app_settings("voice")
    _settle()
    _save(window.app_settings_dialog, "settings-voice")
    window.app_settings_dialog.close()


def model_manager_voice(app: object) -> None:
    """The model manager's Voice section: the demo speech model and voice here, more to download."""
    _voice(app)
    window = app.window  # type: ignore[attr-defined]
    manager = window.open_model_manager()
    manager.resize(1000, 680)
    manager.show_section("voice")
    _settle(500)
    _save(manager, "model-manager-voice")
    manager.show_section("language")
    manager.close()


def presets_en(app: object) -> None:
    _presets(app, "presets")


def presets_zh(app: object) -> None:
    _presets(app, "presets-zh_CN")


def recording(app: object) -> None:
    """A question about a recording, on the demo model with a test audio projector beside it (random
    weights: it cannot really hear; the screenshot shows the recordings in the window, not an answer)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from tiny_audio_mmproj import write_tiny_audio_mmproj

    from chatapp.core.images import read_recording

    window = _demo_with_projector(app, "audio-demo", lambda path: write_tiny_audio_mmproj(path, n_embd_text=576))
    window.composer.attach([read_recording(ROOT / "tests" / "speech" / "en_fox.flac")])
    window.composer.input.setPlainText("What does the speaker say?")
    window._send("What does the speaker say?")
    _wait(window.session.replyFinished)
    window.composer.attach([read_recording(ROOT / "tests" / "speech" / "zh_weather.flac")])
    window.composer.input.setPlainText("And in this one?")
    _settle(500)
    _save(window, "recording")


SCENES: dict[str, Callable[[object], None]] = {
    "voice": voice,
    "voice-mode": voice_mode,
    "settings-voice": settings_voice,
    "model-manager-voice": model_manager_voice,
    "presets": presets_en,
    "projects": projects,
    "presets-zh_CN": presets_zh,
    "token-view": token_view_en,
    "token-view-zh_CN": token_view_zh,
    "main-window-zh_CN": main_window_zh,
    "settings-downloads-zh_CN": settings_downloads_zh,
    "source-suggestion-zh_CN": source_suggestion_zh,
    "model-manager-modelscope-zh_CN": model_manager_modelscope_zh,
    "model-manager-modelscope": model_manager_modelscope,
    "model-manager": model_manager,
    "vision": vision,
    "recording": recording,
    "tool-card": tool_card,
    "structured-output": structured_output,
    "settings-dialog": settings_dialog,
    "settings-panel": settings_panel,
    "local-server": local_server,
    "tray-menu": tray_menu,
}


def main(args: list[str]) -> int:
    language = "en"
    if args[:1] == ["--language"]:
        language, args = args[1], args[2:]
    names = args or [n for n in SCENES if n.endswith("-zh_CN") == (language == "zh_CN")]
    tmp = Path(tempfile.mkdtemp(prefix="chatapp-shots-"))
    os.environ["CHATAPP_DATA_DIR"] = str(tmp / "data")
    os.environ["CHATAPP_CONFIG_DIR"] = str(tmp / "config")
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    (tmp / "config").mkdir(parents=True)
    (tmp / "config" / "settings.json").write_text(f'{{"version": 1, "language": "{language}"}}')
    from PySide6.QtWidgets import QApplication

    qt_app = QApplication(sys.argv[:1])
    app = _app_with_demo()
    for name in names:
        SCENES[name](app)
    app.window.close()  # type: ignore[attr-defined]
    app.close()  # type: ignore[attr-defined]
    qt_app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
