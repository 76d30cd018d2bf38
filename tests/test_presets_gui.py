"""Presets in the window (pytest-qt, the real App): a built-in preset applied to a chat, the chat's
settings saved as a preset, an LM Studio preset imported (what has no equivalent named), a damaged
file refused with nothing kept."""

from __future__ import annotations

import json
from pathlib import Path

from test_gui import app  # noqa: F401  (the fixture)
from test_presets import LMSTUDIO_03

from chatapp.app import App


def _choose(box, name: str) -> None:  # type: ignore[no-untyped-def]
    index = next(i for i in range(1, box.combo.count()) if box.combo.itemData(i).name == name)
    box.combo.setCurrentIndex(index)
    box.combo.activated.emit(index)


def test_a_preset_applied_saved_imported_and_refused(qtbot, app: App, tmp_path: Path) -> None:  # noqa: F811
    window = app.window
    box = window.preset_box
    assert box.combo.itemText(1) == "Translator (Chinese ↔ English) (built-in)"
    _choose(box, "Concise answers")
    assert window.settings_panel.system_prompt.toPlainText().startswith("Answer in as few words")
    assert window.settings_panel.max_tokens.value() == 256
    assert app.session.settings().sampling.temperature == 0.5  # what the next reply uses
    assert "now uses “Concise answers”" in box.note.text()

    window.settings_panel.system_prompt.setPlainText("Always answer in French.")
    window.settings_panel.flush()
    box.save_current("French")
    saved = json.loads((app.paths.config_dir / "presets.json").read_text())["presets"]
    assert [p["name"] for p in saved] == ["French"] and saved[0]["system_prompt"] == "Always answer in French."
    assert box.current().name == "French"

    lmstudio = tmp_path / "careful.preset.json"
    lmstudio.write_text(json.dumps(LMSTUDIO_03))
    box.import_file(lmstudio)
    assert box.current().name == "Careful reviewer"
    assert "Not imported" in box.note.text() and "llm.load.contextLength" in box.note.text()
    _choose(box, "Careful reviewer")
    assert window.settings_panel.system_prompt.toPlainText() == "Review the code you are given."
    assert window.settings_panel.json_enabled.isChecked()  # its JSON schema became the chat's

    before = (app.paths.config_dir / "presets.json").read_bytes()
    damaged = tmp_path / "damaged.preset.json"
    damaged.write_text('{"name": "half", "operation": {"fields": [')
    box.import_file(damaged)
    assert "is not a preset: it is not JSON" in box.note.text()
    assert (app.paths.config_dir / "presets.json").read_bytes() == before
