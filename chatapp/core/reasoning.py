"""Reasoning models' thinking, told apart from their answer.

Models such as Qwen3, QwQ and the DeepSeek-R1 distills write their thinking between `<think>` and
`</think>` before the answer; some templates open the block in the prompt, so the reply holds only the
closing tag. The text is stored as the model wrote it (history keeps the thinking); the window shows
the thinking folded, Copy and export leave it out unless asked, and the CLI hides it unless
`--show-thinking`. Whether earlier thinking goes back into the next prompt is the chat template's
call: reasoning templates drop it (Qwen3's splits each assistant message at `</think>`), generic ones
keep what they are given.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN = "<think>"
CLOSE = "</think>"


@dataclass(frozen=True)
class Split:
    thinking: str  # "" when the reply has none
    answer: str
    thinking_done: bool  # False while the model is still thinking (no closing tag yet)

    @property
    def has_thinking(self) -> bool:
        return bool(self.thinking) or not self.thinking_done


def split(text: str) -> Split:
    """Separate a reply (finished or still streaming) into its thinking and its answer."""
    stripped = text.lstrip()
    if stripped.startswith(OPEN):
        inner = stripped[len(OPEN):]
        end = inner.find(CLOSE)
        if end < 0:
            return Split(inner.strip(), "", thinking_done=False)
        return Split(inner[:end].strip(), inner[end + len(CLOSE):].lstrip(), thinking_done=True)
    end = text.find(CLOSE)
    if end >= 0 and OPEN not in text[:end]:  # the template opened the block in the prompt
        return Split(text[:end].strip(), text[end + len(CLOSE):].lstrip(), thinking_done=True)
    return Split("", text, thinking_done=True)


def answer_only(text: str) -> str:
    return split(text).answer


class ThinkingFilter:
    """For streamed text: what belongs to the answer, and what to the thinking, piece by piece.

    Holds back a possible start of `<think>`/`</think>` split across pieces, like the engine's stop
    filter, so neither tag is ever printed half. A reply whose template opened the block in the
    prompt is seen as answer until its `</think>` arrives (nothing before it says otherwise)."""

    def __init__(self) -> None:
        self._seen = ""  # everything so far, to decide which part a piece belongs to
        self._emitted_answer = 0
        self._emitted_thinking = 0

    def feed(self, piece: str) -> tuple[str, str]:
        """Returns (new thinking text, new answer text)."""
        self._seen += piece
        held = _partial_tag_suffix(self._seen)
        visible = self._seen[: len(self._seen) - held] if held else self._seen
        parts = split(visible)
        thinking, answer = parts.thinking, parts.answer
        new_thinking = thinking[self._emitted_thinking:]
        new_answer = answer[self._emitted_answer:]
        self._emitted_thinking = max(self._emitted_thinking, len(thinking))
        self._emitted_answer = max(self._emitted_answer, len(answer))
        return new_thinking, new_answer

    def flush(self) -> tuple[str, str]:
        parts = split(self._seen)
        return parts.thinking[self._emitted_thinking:], parts.answer[self._emitted_answer:]


def _partial_tag_suffix(text: str) -> int:
    """Length of a trailing prefix of `<think>` or `</think>` (0 if none)."""
    for tag in (CLOSE, OPEN):
        for n in range(min(len(tag) - 1, len(text)), 0, -1):
            if text.endswith(tag[:n]):
                return n
    return 0
