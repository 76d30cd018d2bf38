"""Text out of the files people keep: plain text, Markdown, HTML, PDF, Word and source code.

Each reader returns the file as `Section`s, one per page for a PDF and one for everything else, so a
chunk can say where it came from. Images and unknown formats are not read (`kind_of` returns None) and
are counted as skipped; a file that should be readable but is not raises `UnreadableFile` with the
reason, which the indexer reports by name before going on with the rest.
"""

from __future__ import annotations

import html.parser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError

TEXT_SUFFIXES = frozenset({".txt", ".text", ".rst", ".log", ".csv", ".tsv", ".org", ".tex"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdx"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
CODE_SUFFIXES = frozenset({
    ".py", ".pyi", ".ipynb", ".js", ".mjs", ".ts", ".tsx", ".jsx", ".java", ".kt", ".scala", ".c", ".h", ".cc",
    ".cpp", ".hpp", ".cs", ".go", ".rs", ".rb", ".php", ".swift", ".m", ".lua", ".pl", ".r", ".jl", ".sh",
    ".bash", ".zsh", ".ps1", ".sql", ".css", ".scss", ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg",
    ".xml", ".proto", ".cmake", ".gradle", ".dart", ".ex", ".exs", ".erl", ".hs", ".ml", ".vue", ".svelte",
})
KINDS = {
    **dict.fromkeys(TEXT_SUFFIXES, "text"),
    **dict.fromkeys(MARKDOWN_SUFFIXES, "markdown"),
    **dict.fromkeys(HTML_SUFFIXES, "html"),
    **dict.fromkeys(CODE_SUFFIXES, "code"),
    ".pdf": "pdf",
    ".docx": "docx",
}
CODE_NAMES = frozenset({"Makefile", "Dockerfile", "CMakeLists.txt", "README", "LICENSE"})


class UnreadableFile(KnownError):
    """A file of a supported kind whose text cannot be had (broken, encrypted, not what it says)."""


@dataclass(frozen=True)
class Section:
    """The text of one page (PDF) or of the whole file; `page` is 1-based, None without pages."""

    text: str
    page: int | None = None


def kind_of(path: Path) -> str | None:
    """The reader for `path`, or None for files chatapp does not read (images, archives, binaries...)."""
    if path.name in CODE_NAMES:
        return "code"
    return KINDS.get(path.suffix.lower())


def read_document(path: Path, kind: str | None = None) -> list[Section]:
    kind = kind or kind_of(path)
    if kind == "pdf":
        return _read_pdf(path)
    if kind == "docx":
        return [Section(_read_docx(path))]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} cannot be read: {reason}."),
                             name=path.name, reason=exc.strerror or str(exc)) from None
    text = _decode(data, path)
    if kind == "html":
        text = html_text(text)
    return [Section(text)]


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything with NUL bytes is binary, not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        raise UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} is not a text file, despite its name."), name=path.name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # the usual legacy encoding of Western text files


def _read_pdf(path: Path) -> list[Section]:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns about every harmless oddity
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} is password-protected; chatapp cannot read it."),
                                 name=path.name)
        return [Section(page.extract_text() or "", number) for number, page in enumerate(reader.pages, start=1)]
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser of hostile files: anything it raises means "damaged"
        # pypdf signals a damaged file with PyPdfError, OSError, ValueError, KeyError, TypeError, zlib.error,
        # NotImplementedError (a filter name with a flipped byte), RecursionError..., by where the damage is.
        raise UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} is not a readable PDF ({reason})."),
                             name=path.name, reason=str(exc) or type(exc).__name__) from None


MAX_EXPANDED_BYTES = 512 * 1024 * 1024  # a Word file that unpacks to more is a zip bomb, not a document
MAX_PARTS = 10_000


def _check_expanded_size(path: Path) -> None:
    """Refuse a .docx whose parts would unpack to more than `MAX_EXPANDED_BYTES` (python-docx reads each
    part whole). The declared sizes are what Python's zipfile will produce at most, so checking them is
    enough."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        expanded = sum(p.file_size for p in parts)
    if len(parts) > MAX_PARTS or expanded > MAX_EXPANDED_BYTES:
        raise UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} would unpack to {size:,} MB in {parts:,} parts; it "
                                               "looks like a zip bomb, not a Word document, and was left out."),
                             name=path.name, size=expanded // 2**20, parts=len(parts))


def _read_docx(path: Path) -> str:
    import docx

    try:
        _check_expanded_size(path)
        return _docx_text(docx.Document(str(path)))
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, zlib, lxml and python-docx each raise their own kinds
        # (PackageNotFoundError, BadZipFile, zlib.error, KeyError, ValueError, XMLSyntaxError...) on damage.
        raise UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} is not a readable Word document ({reason})."),
                             name=path.name, reason=str(exc) or type(exc).__name__) from None


def _docx_text(document: Any) -> str:
    """Paragraphs (headings as Markdown headings), then tables a row per line."""
    blocks = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name or "") if paragraph.style is not None else ""
        if style.startswith("Heading"):
            level = style.removeprefix("Heading").strip()
            text = "#" * (int(level) if level.isdigit() else 1) + " " + text
        blocks.append(text)
    for table in document.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(blocks)


_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article", "table",
    "blockquote", "header", "footer", "ul", "ol", "dd", "dt", "hr", "title",
})
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})


class _TextOfHtml(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
            if tag[0] == "h" and tag[1:].isdigit():
                self.parts.append("#" * int(tag[1:]) + " ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The readable text of an HTML page: no tags, scripts or styles; blocks as paragraphs."""
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    paragraphs = (" ".join(block.split()) for block in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)
