"""Reasoning models: thinking told apart from the answer everywhere it is shown, kept in history."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from test_cli import run_chatapp

from chatapp.core import reasoning
from chatapp.core.reasoning import ThinkingSplitter
from chatapp.core.runtime import templates
from chatapp.core.runtime.engine import Engine
from chatapp.core.storage.history import HistoryStore
from chatapp.core.types import Message, SamplingParams


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


def test_the_splitter_never_shows_half_a_tag_and_agrees_with_split() -> None:
    pieces = ["<th", "ink>Hm", "m.</th", "ink> Pa", "ris."]
    f = ThinkingSplitter()
    out = [f.feed(p) for p in pieces] + [f.flush()]
    assert "".join(t for t, _ in out) == "Hmm."
    assert "".join(a for _, a in out) == "Paris."
    assert all("<" not in t + a for t, a in out)
    for text in ("<think>Let me see.</think>\n\nParis.", "  <think>\nStill going", "No <b>thinking</b>.",
                 "<think></think>Paris.", "<thin", "a < b"):
        for size in (1, 2, 3, 7):
            f = ThinkingSplitter()
            out = [f.feed(text[i:i + size]) for i in range(0, len(text), size)] + [f.flush()]
            whole = reasoning.split(text)
            assert ("".join(t for t, _ in out).strip(), "".join(a for _, a in out)) == (whole.thinking, whole.answer)


def test_a_block_the_prompt_opened_is_thinking_until_it_closes() -> None:
    f = ThinkingSplitter(thinking=True)
    assert f.feed("Planned in the ") == ("Planned in the ", "") and f.feed("prompt.</thi") == ("prompt.", "")
    assert f.feed("nk>\n\nParis.") == ("", "Paris.") and f.flush() == ("", "")


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
    reply = store.active_path(conv.id)[-1]
    assert (reply.thinking, reply.content) == ("Hmm, the capital", "Paris!")  # told apart once, as generated
    assert "Hmm" not in store.export_markdown(conv.id) and "Paris!" in store.export_markdown(conv.id)
    assert "> Hmm, the capital" in store.export_markdown(conv.id, with_thinking=True)
    exported = run_chatapp("history", "export", conv.id[:6], "--with-thinking")
    assert "> Hmm, the capital" in exported.stdout
    store.close()


def test_the_template_decides_whether_earlier_thinking_goes_back(tiny_model: Path) -> None:
    """Earlier thinking reaches the template as `reasoning_content`: a template that uses it (Qwen3's, for
    the turns after the last question) gets it; a generic one never sees it."""
    uses_it = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n"
        "{% if m.reasoning_content is defined %}<think>{{ m.reasoning_content }}</think>{% endif %}"
        "{{ m.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n"
    )
    history = [Message("user", "Capital?"), Message("assistant", "Paris.", thinking="Hmm."),
               Message("user", "And Italy?")]
    engine = Engine()
    engine.load(tiny_model)
    assert "<think>Hmm.</think>Paris." in engine.render(history, templates.custom(uses_it))
    generic = engine.render(history, templates.preset("chatml"))
    assert "Hmm" not in generic and "Paris." in generic
    engine.unload()


def test_a_template_that_opens_the_block_gets_the_reply_told_apart(tiny_model: Path) -> None:
    """A template ending its prompt with `<think>` (DeepSeek-R1's, Qwen3's thinking mode): the reply holds
    only the closing tag, and the engine, which knows the prompt, starts it as thinking."""
    opens = "{% for m in messages %}{{ m.content }}{% endfor %}<think>\n"
    engine = Engine()
    engine.load(tiny_model)
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=6), template=templates.custom(opens))
    events = list(stream)
    assert stream.text() == "" and [type(e).__name__ for e in events] == ["ThinkingDelta"] * 6 + ["Done"]
    engine.unload()


def test_thinking_kept_inside_the_text_by_an_older_chatapp_is_told_apart_on_upgrade(tmp_path: Path) -> None:
    """Schema 7 moved thinking out of the content, into a column of its own; search finds the answer."""
    import sqlite3

    from chatapp.core.storage.history import schema

    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.create_function("cjk_searchable", 1, lambda text: text)
    for script in schema.MIGRATIONS[:6]:
        for statement in schema.split_sql(script):
            db.execute(statement)
    db.execute("PRAGMA user_version = 6")
    db.execute("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 't', 0, 0)")
    rows = [("user", "Capital? <think> is a tag"), ("assistant", "<think>Hmm.</think> Paris."),
            ("assistant", "Planned.</think>Rome."), ("assistant", "Just Oslo.")]
    for i, (role, content) in enumerate(rows):
        db.execute("INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (?, 'c', ?, ?, ?)",
                   (f"m{i}", role, content, i))
    db.close()
    store = HistoryStore(path)
    got = [(store.message(f"m{i}").thinking, store.message(f"m{i}").content) for i in range(4)]
    assert got == [("", "Capital? <think> is a tag"), ("Hmm.", "Paris."), ("Planned.", "Rome."), ("", "Just Oslo.")]
    assert [hit.message_id for hit in store.search("Paris")] == ["m1"] and not store.search("Hmm")
    store.close()


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
        assert (reply.thinking, reply.content) == ("Hmm, the capital", "Paris!")  # both kept in history
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
    for piece in ("First, ", "the facts."):
        widget.append(piece, "")
    assert widget.thinking_toggle.text() == "Thinking…" and widget.thinking_toggle.isChecked()
    assert widget.thinking_text.text() == "First, the facts." and widget.body.toPlainText() == ""
    widget.thinking_toggle.setChecked(False)  # the reader folds it while the model still thinks
    assert widget.thinking_toggle.text() == "Thinking…"
    widget.append("", "The **answer**.")
    assert widget.thinking_toggle.text().startswith("Thought for ") and not widget.thinking_toggle.isChecked()
    assert widget.body.toPlainText().strip() == "The **answer**."  # the open tail, as typed so far


def test_the_api_sends_thinking_as_reasoning_content(tiny_thinking_model: Path) -> None:
    """Told apart once, by the engine: the OpenAI dialect renders it as llama.cpp's server does, whole and
    streamed, and the answer never carries a tag."""
    import openai

    from chatapp.core.runtime.model_host import ModelHost
    from chatapp.core.runtime.router import ModelRouter
    from chatapp.server.runner import ApiServer
    from chatapp.server.state import ServerState

    host = ModelHost()
    host.call(lambda engine: engine.load(tiny_thinking_model))
    server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
        ask = {"model": "tiny-think", "messages": [{"role": "user", "content": "Capital of France?"}]}
        whole = client.chat.completions.create(**ask).choices[0].message
        assert (whole.content, whole.model_extra["reasoning_content"]) == ("Paris!", "Hmm, the capital")
        chunks = [c.choices[0].delta for c in client.chat.completions.create(**ask, stream=True) if c.choices]
        assert "".join(d.content or "" for d in chunks) == "Paris!"
        assert "".join((d.model_extra or {}).get("reasoning_content") or "" for d in chunks).strip() == \
            "Hmm, the capital"
    finally:
        server.stop()
        host.shutdown()
