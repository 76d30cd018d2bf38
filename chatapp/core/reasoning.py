"""Reasoning models' thinking, told apart from their answer.

Models such as Qwen3, QwQ and the DeepSeek-R1 distills write their thinking between `<think>` and
`</think>` before the answer; some templates open the block in the prompt, so the reply holds only the
closing tag. The thinking is told apart once, as tokens become text (`ThinkingSplitter`, in the engine
and the remote backend), and travels as its own events and its own field from there on: history keeps
it beside the answer, the window shows it folded, Copy and export leave it out unless asked, and the
CLI hides it unless `--show-thinking`. Whether earlier thinking goes back into the next prompt is the
chat template's call: it gets it as `reasoning_content` (Hugging Face's and llama.cpp's name), which
reasoning templates use for the turns that need it and generic ones ignore. `split` reads a whole text
written before that (an old history, an old export).
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


def split_prefix(text: str) -> Split:
    """`split` for the start of a reply that is to be continued exactly (the token view's "Continue with
    this one"): thinking still being written keeps how it ends (a space, a line break), as the model
    goes on from there."""
    parts = split(text)
    if parts.thinking_done:
        return parts
    return Split(text.lstrip()[len(OPEN):].lstrip("\n"), "", thinking_done=False)


def join(thinking: str, answer: str, thinking_done: bool = True) -> str:
    """A reply as the model wrote it: the thinking block (closed unless still being written), then the answer."""
    if not thinking:
        return answer
    return f"{OPEN}\n{thinking}\n" + (f"{CLOSE}\n\n{answer}" if thinking_done or answer else "")


_START, _THINKING, _ANSWER = range(3)


class ThinkingSplitter:
    """Streamed text told apart into thinking and answer as it arrives, in one pass.

    `thinking=True` when the prompt itself opened the block (the template ended it with `<think>`):
    the reply is thinking until its `</think>`. Otherwise a reply that starts with `<think>` (after
    whitespace) thinks until `</think>`, and any other reply is all answer. A possible start of a tag
    split across pieces is held back, so neither tag is ever given out half; whitespace right after
    a tag is dropped, as `split` drops it."""

    def __init__(self, thinking: bool = False) -> None:
        self._state = _THINKING if thinking else _START
        self._strip = thinking  # drop whitespace at the start of the current part
        self._held = ""

    @property
    def thinking(self) -> bool:
        """Whether the text so far ends inside the thinking block."""
        return self._state == _THINKING

    def feed(self, piece: str) -> tuple[str, str]:
        """Returns (new thinking text, new answer text)."""
        text, self._held = self._held + piece, ""
        thinking = answer = ""
        while text:
            if self._state == _START:
                stripped = text.lstrip()
                if not stripped or OPEN.startswith(stripped):  # whitespace, or the tag's start: wait
                    self._held = text
                    break
                if stripped.startswith(OPEN):
                    self._state, self._strip, text = _THINKING, True, stripped[len(OPEN):]
                else:
                    self._state = _ANSWER
                continue
            if self._strip:
                text = text.lstrip()
                if not text:
                    break
                self._strip = False
            if self._state == _ANSWER:
                answer += text
                break
            end = text.find(CLOSE)
            if end >= 0:
                thinking += text[:end]
                self._state, self._strip, text = _ANSWER, True, text[end + len(CLOSE):]
                continue
            held = _partial_suffix(text, CLOSE)
            thinking += text[:len(text) - held]
            self._held = text[len(text) - held:]
            break
        return thinking, answer

    def flush(self) -> tuple[str, str]:
        """What is still held back at the end of the reply: a tag's start that was not one."""
        held, self._held = self._held, ""
        if self._state == _THINKING:
            return held, ""
        return "", held if self._state == _ANSWER or held.strip() else ""


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that starts `tag` (0 if none)."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0
