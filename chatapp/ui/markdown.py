"""Markdown to the HTML subset Qt's rich text understands, with Pygments-highlighted code blocks.

Streaming support: `stable_boundary` finds where the finished part of a growing reply ends (the last
blank line outside a code fence), so a view renders each finished block once and only re-draws the
short unfinished tail per update: linear cost in the reply's length, not quadratic.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from typing import Any

_FENCE = re.compile(r"^\s{0,3}(```|~~~)", re.MULTILINE)


@dataclass
class RenderedMarkdown:
    html: str
    code_blocks: list[str] = field(default_factory=list)


class MarkdownRenderer:
    """Renders with markdown-it (CommonMark + tables + strikethrough); raw HTML in the text is escaped."""

    def __init__(self, dark: bool = False) -> None:
        self._dark = dark
        self._parser: Any = None  # markdown-it and Pygments load on the first render, after the window shows
        self._code_bg = "#272822" if dark else "#f4f4f4"
        self._muted = "#aaaaaa" if dark else "#666666"
        self._inline_code_bg = "#3a3a3a" if dark else "#e8e8e8"
        self._table_border = "#555555" if dark else "#bbbbbb"

    @property
    def _md(self) -> Any:
        if self._parser is None:
            from markdown_it import MarkdownIt

            self._parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
                ["table", "strikethrough"])
        return self._parser

    @functools.cached_property
    def _formatter(self) -> Any:
        from pygments.formatters import HtmlFormatter

        return HtmlFormatter(noclasses=True, nowrap=True, style="monokai" if self._dark else "friendly")

    def render(self, text: str, first_code_index: int = 0) -> RenderedMarkdown:
        """HTML for `text`; code blocks get a "Copy" link `copy:N`, numbered from `first_code_index`."""
        tokens = self._md.parse(text)
        code_blocks: list[str] = []
        parts: list[str] = []
        pending: list = []
        for token in tokens:
            if token.type in ("fence", "code_block"):
                if pending:
                    parts.append(self._styled(self._md.renderer.render(pending, self._md.options, {})))
                    pending = []
                index = first_code_index + len(code_blocks)
                code_blocks.append(token.content)
                parts.append(self._code_html(token.content, token.info.strip().split(" ")[0], index))
            else:
                pending.append(token)
        if pending:
            parts.append(self._styled(self._md.renderer.render(pending, self._md.options, {})))
        return RenderedMarkdown("".join(parts), code_blocks)

    def _styled(self, html_text: str) -> str:
        """Qt's rich text ignores CSS classes: give inline code and tables their look inline."""
        return html_text.replace(
            "<code>", f'<code style="font-family: monospace; background-color: {self._inline_code_bg};">'
        ).replace(
            "<table>", f'<table border="1" cellspacing="0" cellpadding="4" style="border-color: {self._table_border};'
            ' border-collapse: collapse;">'
        )

    def _code_html(self, code: str, language: str, index: int) -> str:
        from pygments import highlight
        from pygments.lexers import TextLexer, get_lexer_by_name
        from pygments.util import ClassNotFound

        try:
            lexer = get_lexer_by_name(language) if language else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        body = highlight(code.rstrip("\n"), lexer, self._formatter)
        label = html.escape(language or "code")
        return (
            f'<table width="100%" cellspacing="0" cellpadding="6" style="background:{self._code_bg};'
            f' margin-top:4px; margin-bottom:4px;"><tr><td>'
            f'<span style="color:{self._muted}; font-size:small;">{label}</span>&nbsp;&nbsp;'
            f'<a href="copy:{index}" style="font-size:small;">Copy</a>'
            f'<pre style="margin:0;">{body}</pre></td></tr></table>'
        )


class BlockTracker:
    """Finds, incrementally, where the finished part of a streaming reply ends: after the last blank
    line (or closed code fence) outside any fence. Each `feed` scans only lines completed since the
    previous call, so tracking a whole reply costs O(length)."""

    def __init__(self) -> None:
        self.boundary = 0
        self._scanned = 0  # text before this offset has been classified
        self._in_fence = False

    def feed(self, text: str) -> int:
        while True:
            end = text.find("\n", self._scanned)
            if end < 0:
                return self.boundary
            line = text[self._scanned : end + 1]
            self._scanned = end + 1
            if _FENCE.match(line):
                self._in_fence = not self._in_fence
                if not self._in_fence:
                    self.boundary = self._scanned  # a closed fence is a finished block
            elif not self._in_fence and not line.strip():
                self.boundary = self._scanned


def stable_boundary(text: str) -> int:
    """`BlockTracker` over a whole text at once."""
    return BlockTracker().feed(text)
