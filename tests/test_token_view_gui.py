"""The token view in the window (pytest-qt, the real App and the demo model): View → "Keep how each token
is chosen", a reply's Tokens switch colouring it, a token's candidates, and "Continue with this one"
starting a new version of the reply with that candidate."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QPushButton
from test_gui import app, load, send  # noqa: F401  (the fixture)

from chatapp.app import App
from chatapp.core.generation import Candidate
from chatapp.core.models.library import demo_model_path
from chatapp.core.storage.settings import load_settings
from chatapp.ui import token_view


def test_a_reply_shows_its_tokens_and_continues_from_another_candidate(qtbot, app: App) -> None:  # noqa: F811
    load(qtbot, app, demo_model_path())
    app.window.token_view_action.trigger()
    assert load_settings(app.paths.settings_file).token_view  # remembered
    app.window.settings_panel.max_tokens.setValue(24)
    app.window.settings_panel.flush()
    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        send(qtbot, app, "Name a colour.")
    reply = app.session.path[-1]
    widget = app.window.chat.widgets[reply.id]
    assert reply.has_token_view and not widget.tokens_button.isHidden()

    qtbot.mouseClick(widget.tokens_button, Qt.MouseButton.LeftButton)
    view = widget.token_view
    assert view is not None and len(view) == reply.stats["completion_tokens"]
    assert widget.body.toHtml().count('href="tok:') == len(token_view.units(view))
    assert "".join(u.text for u in token_view.units(view)).strip() == reply.content.strip()

    # A token whose candidates include one that was not drawn and not cut: continue with it instead.
    index, other = next((i, c) for i, cands in enumerate(view) for c in cands if not c.drawn and not c.cut_by)
    unit = next(u for u in token_view.units(view) if u.first <= index < u.first + len(u.tokens))
    widget._on_link(QUrl(f"tok:{unit.first}"))
    popup = widget.candidates
    assert not popup.isHidden()
    button = next(b for c, b in popup.rows if c == other)
    assert isinstance(button, QPushButton)
    start = token_view.reply_start(reply.content, view, index, other.data)
    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    new = app.session.path[-1]
    assert new.id != reply.id and new.parent_id == reply.parent_id
    assert new.content.startswith(start) and app.session.store.branch(new.id).count == 2

    qtbot.mouseClick(app.window.chat.widgets[new.id].tokens_button, Qt.MouseButton.LeftButton)  # its own view
    assert app.window.chat.widgets[new.id].token_view is not None


def test_continuing_inside_a_reasoning_models_thinking_keeps_it_as_thinking(qtbot, app: App) -> None:  # noqa: F811
    """A reasoning model's token view covers its thinking too: a prefix chosen there (or after it) starts
    the new version's thinking and answer apart, never `<think>` written into the answer."""
    load(qtbot, app, demo_model_path())
    app.window.settings_panel.max_tokens.setValue(8)
    app.window.settings_panel.flush()
    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        send(qtbot, app, "Hello")
    reply = app.session.path[-1]
    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        app.session.continue_with(reply.id, "<think>\nThe user greets me, so I ")
    inside = app.session.path[-1]
    assert inside.thinking.startswith("The user greets me, so I ") and "<think>" not in inside.content
    with qtbot.waitSignal(app.session.replyFinished, timeout=30_000):
        app.session.continue_with(inside.id, "<think>\nA greeting.\n</think>\n\nHi there")
    after = app.session.path[-1]
    assert (after.thinking, after.content[:8]) == ("A greeting.", "Hi there")
    assert app.session.store.branch(after.id).count == 3


def test_tokens_that_split_a_chinese_character_are_shown_as_that_character() -> None:
    de = "的".encode()  # three bytes, often two or three tokens
    view = [(Candidate(b"\xe4\xbd\xa0", 0.9, 1.0, "", True),),  # 你
            (Candidate(de[:2], 0.5, 0.6, "", True), Candidate(b"\xe4\xb8", 0.2, 0.3, "")),
            (Candidate(de[2:], 0.99, 1.0, "", True),), (Candidate(b"!", 0.4, 0.5, "", True),)]
    units = token_view.units(view)
    assert [u.text for u in units] == ["你", "的", "!"] and units[1].first == 1 and len(units[1].tokens) == 2
    assert units[1].probability == 0.6  # both of its tokens drawn: 0.6 × 1.0
    assert token_view.shown_bytes(de[:2]) == "\\xe7 \\x9a" and token_view.shown_bytes(b" a\n") == "␣a↵"
    assert token_view.reply_start("你的!", view, 1, b"\xe4\xb8\x80") == "你一"


def test_a_line_break_token_can_be_clicked_like_any_other(qtbot) -> None:
    """Qt drops a link around nothing but line breaks: such a token (and one with no text) gets a mark,
    so every token of a reply is a link (a reply with a blank line lost one on another CPU)."""
    from PySide6.QtWidgets import QTextBrowser

    view = [(Candidate(data, 0.5, 0.5, "", True),) for data in (b"A", b"\n", b"\n\n", b"", b" B", b" \n")]
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.setHtml(token_view.render(view))
    assert browser.toHtml().count('href="tok:') == len(token_view.units(view)) == 6
    assert browser.toPlainText() == "A↵\n↵\n\n∅ B \n"
