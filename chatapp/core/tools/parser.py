"""Tool calls read out of a reply as it streams, for every call format (core/tools/formats.py).

Text before a call's marker is the reply's content and streams as usual (a marker's first
characters are held back until they are one, as stop strings are). From the marker on, the text is
the calls: each call's id and name are reported once its name is written, its arguments in pieces as
they arrive, exactly as OpenAI streams `delta.tool_calls`. A call's raw text never changes once
written, so pieces are final. Text that looks like a call but is not one (no valid JSON by the end,
an unknown tool) goes back into the content: nothing the model wrote is lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from chatapp.core.tools.formats import CallFormat, new_call_id
from chatapp.core.types import CallDelta, ToolCall

_NAME = r'"name"\s*:\s*"((?:[^"\\]|\\.)*)"'
_OBJECT_HEADER = re.compile(r'\s*\{\s*(?:"type"\s*:\s*"function"\s*,\s*)?' + _NAME
                            + r'\s*,\s*"(?:arguments|parameters)"\s*:\s*')
_NAME_ARGS_HEADER = re.compile(r"\s*([A-Za-z0-9_.\-]+)(?:\[CALL_ID\]([A-Za-z0-9_\-]*))?\[ARGS\]")
_PYTHON_TAG = "<|python_tag|>"


@dataclass
class _Call:
    """A call as far as it is written: where its arguments start and (once known) end in the region."""

    name: str
    args_start: int
    start: int = 0  # where the call's text begins in the region
    args_end: int | None = None  # None: still being written
    whole_end: int | None = None  # where the call's own text ends (its closing brace, for objects)


@dataclass
class _Scan:
    calls: list[_Call] = field(default_factory=list)
    malformed: bool = False  # the region cannot be calls (it stays text)
    complete: bool = False  # every call in it is closed


def json_value_end(text: str, start: int) -> int | None:
    """The index just past the JSON value starting at `start` (an object or array, strings respected);
    None while it is not closed yet."""
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        elif depth == 0 and not ch.isspace():
            return None if i == start else i  # not a container: the grammar forbids it; treat as unknown
    return None


class CallParser:
    """Feed it a reply's text as it comes; `feed` returns the content to show and the call deltas."""

    def __init__(self, fmt: CallFormat, tool_names: Sequence[str], new_id: Callable[[], str] | None = None) -> None:
        self.fmt = fmt
        self.names = set(tool_names)
        self._new_id = new_id or (lambda: new_call_id(fmt))
        self._text = ""  # everything written so far
        self._shown = 0  # how much of it went out as content
        self.region_start: int | None = None  # where the calls begin
        self._emitted: list[tuple[str, int]] = []  # per call: its id and how much of its arguments went out
        self.started_at_token = False

    @property
    def started(self) -> bool:
        """A call has begun (its marker was written)."""
        return self.region_start is not None

    def feed(self, text: str) -> tuple[str, list[CallDelta]]:
        self._text += text
        content = ""
        if self.region_start is None:
            start = self._find_start()
            if start is None:
                safe = len(self._text) - self._held_back()
                content = self._text[self._shown:safe]
                self._shown = max(self._shown, safe)
                return content, []
            self.region_start = start
            content = self._text[self._shown:start]
            self._shown = start
        return content, self._deltas(self._scan())

    def finish(self) -> tuple[str, list[ToolCall]]:
        """The content not yet shown and the finished calls. A region that did not turn out to be calls
        (malformed, cut off, an unknown tool) is returned as content."""
        if self.region_start is None:
            rest = self._text[self._shown:]
            self._shown = len(self._text)
            return rest, []
        scan = self._scan()
        calls: list[ToolCall] = []
        cut_at: int | None = None  # where the text stops being whole calls (a reply cut mid-call)
        region = self._region()
        for i, call in enumerate([] if scan.malformed else scan.calls):
            args = _json_object(region[call.args_start:call.args_end]) if call.args_end is not None else None
            if args is None or call.name not in self.names:
                cut_at = call.start
                break
            call_id = self._emitted[i][0] if i < len(self._emitted) else self._new_id()
            calls.append(ToolCall(call_id, call.name, json.dumps(args, ensure_ascii=False)))
        if not calls:
            rest = self._text[self._shown:]
            self._shown = len(self._text)
            return rest, []
        assert self.region_start is not None
        rest = self._text[self.region_start + cut_at:] if cut_at is not None else ""
        self._shown = len(self._text)
        return rest, calls

    # ----- where calls start -----------------------------------------------------------------------------
    def _find_start(self) -> int | None:
        if self.fmt.trigger:
            at = self._text.find(self.fmt.trigger)
            return at if at >= 0 else None
        stripped = self._text.lstrip()  # Llama 3: the reply itself is the call, maybe after <|python_tag|>
        offset = len(self._text) - len(stripped)
        if stripped.startswith(_PYTHON_TAG):
            return offset
        if stripped.startswith("{"):
            return offset
        return None

    def _held_back(self) -> int:
        """How many characters at the end may be the start of a call's marker."""
        trigger = self.fmt.trigger
        if not trigger:  # Llama 3: only the very start of the reply can be a call
            stripped = self._text.lstrip()
            return len(self._text) if (not stripped or _PYTHON_TAG.startswith(stripped[: len(_PYTHON_TAG)])) and \
                len(stripped) < len(_PYTHON_TAG) else 0
        for n in range(min(len(trigger) - 1, len(self._text)), 0, -1):
            if self._text.endswith(trigger[:n]):
                return n
        return 0

    def _region(self) -> str:
        assert self.region_start is not None
        text = self._text[self.region_start:]
        if not self.fmt.trigger and text.startswith(_PYTHON_TAG):
            return " " * len(_PYTHON_TAG) + text[len(_PYTHON_TAG):]  # positions kept
        return text

    # ----- reading the calls --------------------------------------------------------------------------------
    def _scan(self) -> _Scan:
        region = self._region()
        layout = self.fmt.layout
        if layout == "name-args":
            return self._scan_name_args(region)
        pos = len(self.fmt.trigger)
        scan = _Scan()
        if layout == "array":
            match = re.compile(r"\s*\[").match(region, pos)
            if match is None:
                scan.malformed = _cannot_become(region[pos:], "[")
                return scan
            pos = match.end()
        while True:
            header = _OBJECT_HEADER.match(region, pos)
            if header is None:
                rest = region[pos:]
                if (layout == "array" and re.match(r"\s*\]", rest)) or (
                        layout == "object" and not rest.strip() and scan.calls):
                    scan.complete = True
                elif layout == "object" and self.fmt.trigger and rest.lstrip().startswith(self.fmt.trigger):
                    pos = pos + len(rest) - len(rest.lstrip()) + len(self.fmt.trigger)
                    continue
                else:
                    scan.malformed = _cannot_become(rest, '{"name": "')
                return scan
            name = json.loads(f'"{header.group(1)}"')
            call = _Call(name, header.end(), start=header.start())
            scan.calls.append(call)
            end = json_value_end(region, header.end())
            if end is None:
                return scan
            call.args_end = end
            close = re.compile(r'\s*(?:,\s*"id"\s*:\s*"[^"]*"\s*)?\}').match(region, end)
            if close is None:  # not closed yet, or never will be
                scan.malformed = region[end:].strip() != "" and not _could_close(region[end:])
                return scan
            call.whole_end = close.end()
            pos = close.end()
            if self.fmt.end:
                end_marker = re.compile(r"\s*" + re.escape(self.fmt.end)).match(region, pos)
                if end_marker is None:
                    if _cannot_become(region[pos:], self.fmt.end):
                        scan.malformed = True
                    return scan
                pos = end_marker.end()
            if layout == "array":
                sep = re.compile(r"\s*,").match(region, pos)
                if sep is not None:
                    pos = sep.end()

    def _scan_name_args(self, region: str) -> _Scan:
        scan = _Scan()
        pos = 0
        trigger = self.fmt.trigger
        while True:
            rest = region[pos:]
            if not rest.strip():
                scan.complete = bool(scan.calls)
                return scan
            if not rest.lstrip().startswith(trigger):
                scan.malformed = _cannot_become(rest, trigger)
                return scan
            pos += len(rest) - len(rest.lstrip()) + len(trigger)
            header = _NAME_ARGS_HEADER.match(region, pos)
            if header is None:
                scan.malformed = bool(re.search(r"[^A-Za-z0-9_.\-\[\]]", region[pos:].split("[ARGS]")[0]))
                return scan
            call = _Call(header.group(1), header.end(), start=pos - len(trigger))
            scan.calls.append(call)
            end = json_value_end(region, header.end())
            if end is None:
                return scan
            call.args_end = call.whole_end = end
            pos = end

    def _deltas(self, scan: _Scan) -> list[CallDelta]:
        deltas = []
        region = self._region()
        for i, call in enumerate(scan.calls):
            if call.name not in self.names:
                break  # an unknown tool: not streamed; finish() returns the text
            if i >= len(self._emitted):
                call_id = self._new_id()
                self._emitted.append((call_id, 0))
                deltas.append(CallDelta(i, call_id, call.name, ""))
            call_id, sent = self._emitted[i]
            upto = call.args_end if call.args_end is not None else len(region)
            if upto - call.args_start > sent:
                piece = region[call.args_start + sent:upto]
                deltas.append(CallDelta(i, arguments=piece))
                self._emitted[i] = (call_id, upto - call.args_start)
        return deltas


def _json_object(text: str) -> dict[str, object] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _cannot_become(text: str, expected: str) -> bool:
    """Whether `text` (after whitespace) can no longer turn into `expected`."""
    stripped = text.lstrip()
    return bool(stripped) and not (expected.startswith(stripped) or stripped.startswith(expected))


def _could_close(text: str) -> bool:
    """What may follow a call's arguments before its closing brace (a Nemo id, spaces)."""
    return bool(re.fullmatch(r'\s*(?:,\s*("id"\s*(:\s*("[^"]*"?)?)?)?)?\s*', text))
