"""Reasoning models: thinking told apart from the answer everywhere it is shown, kept in history."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from test_cli import run_chatapp

from chatapp.core import reasoning
from chatapp.core.reasoning import ThinkingFilter
from chatapp.core.runtime import templates
from chatapp.core.runtime.engine import Engine
from chatapp.core.storage.history import HistoryStore
from chatapp.core.types import Message


@pytest.mark.parametrize(("text", "thinking", "answer", "done"), [
    ("<think>Let me see.</think>\n\nParis.", "Let me see.", "Paris.", True),
    ("  <think>\nStill going", "Still going", "", False),  # streaming, not closed yet
    ("Planned in the prompt.</think>Paris.", "Planned in the prompt.", "Paris.", True),  # template opened it
    ("Just an answer with a <b>tag</b>.", "", "Just an answer with a <b>tag</b>.", True),
    ("<think></think>Paris.", "", "Paris.", True),  # thinking turned off: an empty block
])
def test_split(text: str, thinking: str, answer: str, done: bool) -> None:
    parts = reasoning.split(text)
    assert (parts.thinking, parts.answer, parts.thinking_done) == (thinking, answer, done)


def test_the_stream_filter_never_shows_half_a_tag() -> None:
    pieces = ["<th", "ink>Hm", "m.</th", "ink> Pa", "ris."]
    f = ThinkingFilter()
    out = [f.feed(p) for p in pieces] + [f.flush()]
    assert "".join(t for t, _ in out) == "Hmm."
    assert "".join(a for _, a in out) == "Paris."
    assert all("<" not in t + a for t, a in out)


def test_the_cli_hides_thinking_unless_asked(tiny_thinking_model: Path) -> None:
    plain = run_chatapp("chat", "--model", str(tiny_thinking_model), "--prompt", "Capital of France?")
    assert (plain.returncode, plain.stdout) == (0, "Paris!\n"), plain.stderr
    shown = run_chatapp("chat", "--model", str(tiny_thinking_model), "--prompt", "Capital of France?",
                        "--show-thinking")
    assert shown.stdout == "Hmm, the capital\n\nParis!\n"  # not a terminal: no dim codes


def test_history_keeps_thinking_and_markdown_export_leaves_it_out(tiny_thinking_model: Path,
                                                                  isolated_dirs: Path) -> None:
    run = run_chatapp("chat", "--model", str(tiny_thinking_model), "--prompt", "Capital of France?")
    assert run.returncode == 0, run.stderr
    store = HistoryStore(isolated_dirs / "data" / "history.sqlite3")
    (conv,) = store.conversations()
    assert store.active_path(conv.id)[-1].content == "<think> Hmm, the capital</think> Paris!"
    assert "Hmm" not in store.export_markdown(conv.id) and "Paris!" in store.export_markdown(conv.id)
    assert "> Hmm, the capital" in store.export_markdown(conv.id, with_thinking=True)
    exported = run_chatapp("history", "export", conv.id[:6], "--with-thinking")
    assert "> Hmm, the capital" in exported.stdout
    store.close()


def test_the_template_decides_whether_earlier_thinking_goes_back(tiny_model: Path) -> None:
    """A Qwen3-style template drops earlier turns' thinking; a generic one passes on what it is given."""
    qwen_like = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n"
        "{% if m.role == 'assistant' %}{{ m.content.split('</think>')[-1].lstrip() }}"
        "{% else %}{{ m.content }}{% endif %}<|im_end|>\n{% endfor %}<|im_start|>assistant\n"
    )
    history = [Message("user", "Capital?"), Message("assistant", "<think>Hmm.</think> Paris."),
               Message("user", "And Italy?")]
    engine = Engine()
    engine.load(tiny_model)
    engine.set_template(templates.custom(qwen_like))
    assert "Hmm" not in engine.render(history) and "Paris." in engine.render(history)
    engine.set_template(templates.preset("chatml"))
    assert "<think>Hmm.</think> Paris." in engine.render(history)
    engine.unload()


def test_the_window_folds_the_thinking(qtbot, tiny_thinking_model: Path) -> None:
    from chatapp.app import App
    from chatapp.core.storage.paths import default_paths

    app = App(default_paths())
    qtbot.addWidget(app.window)
    app.window.show()
    try:
        with qtbot.waitSignal(app.inference.modelLoaded, timeout=30_000):
            app.window.load_model(tiny_thinking_model)
        app.window.composer.input.setPlainText("Capital of France?")
        with qtbot.waitSignal(app.session.replyFinished, timeout=10_000):
            qtbot.mouseClick(app.window.composer.button, Qt.MouseButton.LeftButton)
        reply = app.session.path[-1]
        assert reply.content == "<think> Hmm, the capital</think> Paris!"  # kept whole in history
        assert reply.stats["thinking_s"] >= 0
        widget = app.window.chat.widgets[reply.id]
        assert widget.thinking_toggle.isVisibleTo(widget) and widget.thinking_toggle.text().startswith("Thought for ")
        assert not widget.thinking_text.isVisibleTo(widget)  # folded when done
        assert widget.body.toPlainText().strip() == "Paris!"
        copied: list[str] = []
        widget.copyRequested.connect(copied.append)
        widget.copyRequested.emit(widget._text)  # what the Copy button sends
        assert copied == ["Paris!"]
        qtbot.mouseClick(widget.thinking_toggle, Qt.MouseButton.LeftButton)
        assert widget.thinking_text.isVisibleTo(widget) and widget.thinking_text.text() == "Hmm, the capital"
    finally:
        app.window.close()
        app.close()


def test_thinking_streams_open_then_folds_when_the_answer_starts(qtbot) -> None:
    from chatapp.core.storage.history import STREAMING, StoredMessage
    from chatapp.ui.chat_view import MessageWidget
    from chatapp.ui.markdown import MarkdownRenderer

    message = StoredMessage("r1", "c1", None, "assistant", "", 0.0, status=STREAMING)
    widget = MessageWidget(message, MarkdownRenderer(dark=False), None, is_last=True)
    qtbot.addWidget(widget)
    widget.start_streaming()
    assert widget.thinking_toggle.isHidden()  # nothing yet: no empty "Thinking…"
    for piece in ("<thi", "nk>First, ", "the facts.", "</thi"):
        widget.append(piece)
    assert widget.thinking_toggle.text() == "Thinking…" and widget.thinking_toggle.isChecked()
    assert widget.thinking_text.text() == "First, the facts." and widget.body.toPlainText() == ""
    widget.thinking_toggle.setChecked(False)  # the reader folds it while the model still thinks
    assert widget.thinking_toggle.text() == "Thinking…"
    widget.append("nk>\n\nThe **answer**.")
    assert widget.thinking_toggle.text().startswith("Thought for ") and not widget.thinking_toggle.isChecked()
    assert widget.body.toPlainText().strip() == "The **answer**."  # the open tail, as typed so far
