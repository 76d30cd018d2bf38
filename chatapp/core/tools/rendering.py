"""A conversation with tools, ready for a chat template.

Templates that take tools (Qwen, Llama 3.x, Mistral, Hermes…) get them as OpenAI's tool list, and
assistant calls and tool results as the messages those templates read. A template that takes none
(Gemma 3, SmolLM2, presets) gets chatapp's `generic` format instead: the tools described in the system
prompt, calls written back as `<tool_call>` text and results as user turns in `<tool_response>`, so
any instruction-tuned model can follow it (docs/ARCHITECTURE.md, "Tools in any model").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chatapp.core.tools.formats import CallFormat, generic_call_text, generic_result_text, generic_system_section
from chatapp.core.types import Message, ToolSpec


def for_template(messages: Sequence[Message], tools: Sequence[ToolSpec], fmt: CallFormat
                 ) -> tuple[list[Message], list[dict[str, Any]] | None]:
    """(messages, the template's `tools`) for `fmt`."""
    if fmt.native:
        return list(messages), [t.openai() for t in tools] or None
    out: list[Message] = []
    section = generic_system_section(tools) if tools else ""
    if section:
        if messages and messages[0].role == "system":
            out.append(Message("system", f"{messages[0].content}\n\n{section}"))
            messages = messages[1:]
        else:
            out.append(Message("system", section))
    for m in messages:
        if m.role == "assistant" and m.tool_calls:
            calls = "\n".join(generic_call_text(c.name, c.arguments) for c in m.tool_calls)
            out.append(Message("assistant", f"{m.content}\n{calls}" if m.content else calls))
        elif m.role == "tool":
            text = generic_result_text(m.content)
            if out and out[-1].role == "user" and out[-1].content.startswith("<tool_response>"):
                out[-1] = Message("user", f"{out[-1].content}\n{text}")  # results of one round: one turn
            else:
                out.append(Message("user", text))
        else:
            out.append(m)
    return out, None
