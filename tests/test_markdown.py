"""Markdown rendering and the streaming block tracker."""

from __future__ import annotations

from chatapp.ui.markdown import BlockTracker, MarkdownRenderer, stable_boundary


def test_code_blocks_are_highlighted_with_copy_links_and_html_is_escaped() -> None:
    out = MarkdownRenderer().render("Run:\n\n```python\nprint('<b>')\n```\n\n<script>alert(1)</script>\n")
    assert out.code_blocks == ["print('<b>')\n"]
    assert 'href="copy:0"' in out.html
    assert "<script>" not in out.html and "&lt;script&gt;" in out.html
    assert "<span style=" in out.html  # Pygments colours


def test_stable_boundary_ignores_blank_lines_inside_fences() -> None:
    assert stable_boundary("one\n\ntwo") == 5
    assert stable_boundary("one\n\n```py\na\n\nb\n") == 5
    assert stable_boundary("one\n\n```py\na\n\nb\n```\nafter") == len("one\n\n```py\na\n\nb\n```\n")


def test_tracker_fed_piece_by_piece_matches_whole_text() -> None:
    text = "Intro para.\n\n```js\nlet a = 1;\n\nlet b = 2;\n```\nMore text\n\n- item\n- item\n\nEnd"
    tracker = BlockTracker()
    for i in range(1, len(text) + 1):
        assert tracker.feed(text[:i]) == stable_boundary(text[:i])


def test_streamed_message_shows_the_same_text_as_the_final_render(qtbot) -> None:
    from chatapp.core.storage.history import StoredMessage
    from chatapp.ui.chat_view import MessageWidget

    text = (
        "Here is a list:\n\n- one\n- two\n\nAnd code:\n\n```python\ndef f(x):\n\n    return x * 2\n```\n\n"
        "Final **bold** words, still open"
    )
    reply = StoredMessage("m", "c", None, "assistant", "", 0.0, status="streaming")
    widget = MessageWidget(reply, MarkdownRenderer(), None, True)
    qtbot.addWidget(widget)
    widget.start_streaming()
    for i in range(0, len(text), 7):
        widget.append("", text[i : i + 7])
    streamed = " ".join(widget.body.toPlainText().split())
    assert widget.text == text
    assert widget.code_blocks == ["def f(x):\n\n    return x * 2\n"]
    widget.set_message(StoredMessage("m", "c", None, "assistant", text, 0.0))
    final = " ".join(widget.body.toPlainText().split())
    assert streamed.replace("**", "") == final
