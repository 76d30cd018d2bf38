"""The window in Simplified Chinese: complete catalogues kept in step with the code, the language
setting, and the core's sentences translated without the core importing Qt."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt

from chatapp.app import App
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, ModelFileError, Phrase
from chatapp.core.storage.paths import default_paths
from chatapp.core.storage.settings import AppSettings, save_settings
from chatapp.services import i18n

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "resources" / "i18n" / "chatapp_zh_CN.ts"
# Names, formats and symbols Chinese users read as they are.
SAME_IN_CHINESE = {"chatapp", "✕", "Top-p", "Top-k", "Min-p", "Markdown…", "JSON…", "http://192.168.1.20:8080/v1",
                   "{done} of {total}", "URL", "Hugging Face (huggingface.co)",
                   "e.g. npx -y @modelcontextprotocol/server-filesystem ~/Documents"}
PLACEHOLDER = re.compile(r"\{[a-z_]+(?::[^}]*)?\}|%n")


def test_catalogues_are_complete_and_up_to_date() -> None:
    """Fails when a message in the code is missing from the catalogue, untranslated, or the .qm files
    were not recompiled: run `python packaging/update_translations.py`."""
    run = subprocess.run([sys.executable, "packaging/update_translations.py", "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_every_translation_keeps_the_placeholders_of_its_source() -> None:
    messages = list(ET.parse(CATALOGUE).iter("message"))
    assert len(messages) > 250
    for message in messages:
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None
        forms = [f.text or "" for f in translation.findall("numerusform")] or [translation.text or ""]
        for form in forms:
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(source)), source
            assert re.search("[\u4e00-\u9fff]", form) or source in SAME_IN_CHINESE, f"not translated: {source!r}"


@pytest.mark.parametrize(("locale", "expected"), [
    ("zh_CN", "zh_CN"), ("zh_SG", "zh_CN"), ("zh_TW", "en"), ("en_US", "en"), ("de_DE", "en"), ("C", "en"),
])
def test_the_language_follows_the_system_unless_chosen(locale: str, expected: str) -> None:
    assert i18n.resolve("system", QLocale(locale)) == expected
    assert i18n.resolve("zh_CN", QLocale("en_US")) == "zh_CN"
    assert i18n.resolve("en", QLocale("zh_CN")) == "en"
    assert i18n.resolve("klingon", QLocale("zh_CN")) == "en"


def test_core_sentences_are_templates_the_window_translates(qtbot) -> None:
    error = ModelFileError(QT_TRANSLATE_NOOP("core", "Loading {name} was cancelled."), name="x.gguf")
    assert str(error) == "Loading x.gguf was cancelled."  # what the CLI prints
    assert i18n.user_message(error) == "Loading x.gguf was cancelled."  # no catalogue: English
    assert i18n.user_message(KnownError("an {odd} old f-string sentence")) == "an {odd} old f-string sentence"


@pytest.fixture
def chinese_app(qtbot, isolated_dirs: Path) -> App:
    paths = default_paths()
    paths.ensure()
    save_settings(paths.settings_file, AppSettings(language="zh_CN"))
    chat_app = App(paths)
    qtbot.addWidget(chat_app.window)
    chat_app.window.show()
    yield chat_app
    chat_app.window.close()
    chat_app.close()


def test_the_window_in_chinese(qtbot, chinese_app: App, tmp_path: Path, tiny_eos_model: Path) -> None:
    window = chinese_app.window
    assert window.composer.button.text() == "发送"
    assert window.settings_panel.template_combo.accessibleName() == "提示词模板"
    speculation = window.sections.speculation_box
    assert speculation.title() == "推测解码" and speculation.mode.currentText() == "自动"
    assert window.sections.language_box.combo.currentText() == "简体中文"
    # a sentence from the core (a foreign file), in Chinese, with its values filled in
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a model at all" * 100)
    with qtbot.waitSignal(chinese_app.inference.modelFailed, timeout=30_000):
        window.load_model(bad)
    assert window.error_banner.label.text().startswith("broken.gguf 不是 GGUF 模型文件（开头是 b'not ")
    # a reply's statistics, with the plural-free Chinese count
    with qtbot.waitSignal(chinese_app.inference.modelLoaded, timeout=30_000):
        window.load_model(tiny_eos_model)
    window.composer.input.setPlainText("你好")
    with qtbot.waitSignal(chinese_app.session.replyFinished, timeout=10_000):
        qtbot.mouseClick(window.composer.button, Qt.MouseButton.LeftButton)
    reply = chinese_app.session.path[-1]
    assert window.chat.widgets[reply.id].stats_label.text().startswith("4 个 token · ")


def test_english_plurals_and_the_language_choice_is_kept(qtbot, isolated_dirs: Path) -> None:
    chat_app = App(default_paths())
    qtbot.addWidget(chat_app.window)
    try:
        # English has a catalogue of plural forms only: no "(s)" on screen
        assert chat_app.window.status.tr("%n oldest message(s) left out to fit the context", "", 1) == \
            "1 oldest message left out to fit the context"
        assert chat_app.window.status.tr("API {url} · %n request(s)", "", 3) == "API {url} · 3 requests"
        chat_app.window.open_app_settings("appearance")
        box = chat_app.window.sections.language_box
        assert box.isVisible() and box.combo.currentData() == "system" and not box.note.isVisible()
        box.combo.setCurrentIndex(box.combo.findData("zh_CN"))
        assert "chatapp starts again" in box.note.text()
        from chatapp.core.storage.settings import load_settings

        assert load_settings(chat_app.paths.settings_file).language == "zh_CN"
    finally:
        chat_app.window.close()
        chat_app.close()


def test_phrases_inside_sentences_are_translated_too(qtbot) -> None:
    error = KnownError(QT_TRANSLATE_NOOP("core", "{what}: the hub cannot be reached. Check your internet connection."),
                       what=Phrase(QT_TRANSLATE_NOOP("core", "Listing {repo}"), repo="a/b"))
    assert str(error) == "Listing a/b: the hub cannot be reached. Check your internet connection."


def test_a_damaged_settings_file_is_said_in_chinese(qtbot, isolated_dirs: Path) -> None:
    """The notice for a settings file that was set aside is a core sentence like any other: the Chinese
    window says it in Chinese (it was English there)."""
    paths = default_paths()
    paths.ensure()
    paths.settings_file.write_text('{"language": "zh_CN", "temperature": "hot", "theme": 7}', encoding="utf-8")
    chat_app = App(paths)
    qtbot.addWidget(chat_app.window)
    try:
        text = chat_app.window.error_banner.label.text()
        assert text.startswith("部分设置无效，已恢复为默认值：") and "theme" in text, text
        assert chat_app.language == "zh_CN"
    finally:
        chat_app.window.close()
        chat_app.close()
