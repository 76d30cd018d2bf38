"""How each model family writes a tool call, told apart by its chat template.

Formats are data, not branches: a marker that starts a call (the lazy grammar's trigger), how calls
are laid out after it, the key holding the arguments, and the ids a family's template insists on.
Detection reads the template's own text for what it renders (the markers llama.cpp's chat.cpp
recognises as well). A template that takes no tools (Gemma 3, SmolLM2, most base models) gets the
`generic` format: chatapp's own system-prompt section describing the tools, and Hermes-style
`<tool_call>` tags in the reply, which small models follow best (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass

from chatapp.core.types import ToolSpec


@dataclass(frozen=True)
class CallFormat:
    name: str
    trigger: str  # the text that starts a call ("": the reply itself is the call, as Llama 3 writes it)
    layout: str  # "object": {"name", args} per call; "array": a JSON list of those; "name-args": name[ARGS]{...}
    args_key: str = "arguments"
    end: str = ""  # what closes each call ("</tool_call>")
    ids: str = ""  # "mistral": the template wants 9 letters and digits
    native: bool = True  # the template renders `tools` itself; False: chatapp describes them in the system prompt
    parallel: bool = True  # the family can write several calls in one reply


HERMES = CallFormat("hermes", "<tool_call>", "object", end="</tool_call>")
LLAMA3 = CallFormat("llama3", "", "object", args_key="parameters", parallel=False)
MISTRAL_NEMO = CallFormat("mistral-nemo", "[TOOL_CALLS]", "array", ids="mistral")
MISTRAL_V7 = CallFormat("mistral-v7", "[TOOL_CALLS]", "name-args", ids="mistral")
PHI4_MINI = CallFormat("phi4-mini", "functools", "array")
GENERIC = CallFormat("generic", "<tool_call>", "object", end="</tool_call>", native=False)
FORMATS = {f.name: f for f in (HERMES, LLAMA3, MISTRAL_NEMO, MISTRAL_V7, PHI4_MINI, GENERIC)}


def detect(template_source: str) -> CallFormat:
    """The call format a model's chat template was written for."""
    src = template_source
    if "[TOOL_CALLS]" in src:
        return MISTRAL_V7 if "[ARGS]" in src else MISTRAL_NEMO
    if "<tool_call>" in src and "tools" in src:
        return HERMES
    if "functools" in src or "<|tool|>" in src:
        return PHI4_MINI
    if '"parameters": dictionary of argument name' in src or ("<|python_tag|>" in src and "tools" in src):
        return LLAMA3
    return GENERIC


def new_call_id(fmt: CallFormat) -> str:
    """An id for a call the model did not name: 9 letters and digits where the template checks for it."""
    alphabet = string.ascii_letters + string.digits
    if fmt.ids == "mistral":
        return "".join(secrets.choice(alphabet) for _ in range(9))
    return "call_" + "".join(secrets.choice(alphabet) for _ in range(24))


GENERIC_INSTRUCTIONS = (
    "You can call tools to answer. The tools are described below as JSON schemas, between <tools> and "
    "</tools>. To call a tool, reply with a JSON object with its name and arguments between <tool_call> "
    "and </tool_call>, and nothing else, like this:\n<tool_call>\n{{\"name\": \"{example}\", \"arguments\": "
    "{{...}}}}\n</tool_call>\nThe results come back between <tool_response> and </tool_response>; then answer "
    "the user with them.\n<tools>\n{tools}\n</tools>"
)


def generic_system_section(tools: Sequence[ToolSpec]) -> str:
    """The tools described in the system prompt, for templates that take none."""
    listed = "\n".join(json.dumps(t.openai(), ensure_ascii=False) for t in tools)
    return GENERIC_INSTRUCTIONS.format(example=tools[0].name if tools else "name", tools=listed)


def generic_call_text(name: str, arguments: str) -> str:
    """An assistant's call, written back into the history as the generic format writes it."""
    return f'<tool_call>\n{{"name": {json.dumps(name)}, "arguments": {arguments or "{}"}}}\n</tool_call>'


def generic_result_text(content: str) -> str:
    return f"<tool_response>\n{content}\n</tool_response>"
