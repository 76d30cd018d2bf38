"""Prompt templates: how a conversation becomes the exact text a model was trained to continue.

Three sources, one mechanism: every template is Jinja rendered in an immutable sandbox with the
conventions Hugging Face chat templates expect (`messages`, `bos_token`, `eos_token`,
`add_generation_prompt`, `raise_exception`, `strftime_now`, trim_blocks/lstrip_blocks).
- `auto`: the GGUF's `tokenizer.chat_template`, or a preset picked from the model when it has none;
- presets: hand-written equivalents of the well-known formats;
- custom: the user's own template text or file.
A template from a model file is untrusted input: it is checked for private-attribute access before use
and rendered without a loader, so it can neither reach Python internals nor read files, and under a
budget of time and sizes (template_budget.py), so it cannot hang or exhaust the machine either.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from chatapp.core.errors import QT_TRANSLATE_NOOP, TemplateError
from chatapp.core.types import ChatTemplate, Message

if TYPE_CHECKING:  # jinja2 is imported when a template is first compiled, not with the window (~40 ms)
    from jinja2 import nodes

    from chatapp.core.runtime.template_budget import BudgetedEnvironment

ALPACA_DEFAULT_SYSTEM = (
    "Below is an instruction that describes a task. Write a response that appropriately completes the request."
)
VICUNA_DEFAULT_SYSTEM = (
    "A chat between a curious user and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the user's questions."
)

# Each preset splits an optional leading system message off as `system`, then loops over the rest.
_SPLIT_SYSTEM = (
    "{% if messages and messages[0]['role'] == 'system' %}"
    "{% set system = messages[0]['content'] %}{% set loop_messages = messages[1:] %}"
    "{% else %}{% set system = '' %}{% set loop_messages = messages %}{% endif %}"
)

PRESETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "chatml": (
        "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
        ("<|im_end|>", "<|im_start|>"),
    ),
    "llama-2": (
        _SPLIT_SYSTEM + "{% for m in loop_messages %}{% if m['role'] == 'user' %}"
        "{{ bos_token + '[INST] ' }}{% if loop.first and system %}"
        "{{ '<<SYS>>\n' + system + '\n<</SYS>>\n\n' }}{% endif %}{{ m['content'] + ' [/INST]' }}"
        "{% else %}{{ ' ' + m['content'] + ' ' + eos_token }}{% endif %}{% endfor %}",
        ("</s>", "[INST]"),
    ),
    "llama-3": (
        "{{ bos_token }}{% for m in messages %}"
        "{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\n\n' + m['content'] | trim + '<|eot_id|>' }}"
        "{% endfor %}{% if add_generation_prompt %}"
        "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
        ("<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>"),
    ),
    "mistral": (
        _SPLIT_SYSTEM + "{{ bos_token }}{% for m in loop_messages %}{% if m['role'] == 'user' %}"
        "{{ '[INST] ' }}{% if loop.first and system %}{{ system + '\n\n' }}{% endif %}"
        "{{ m['content'] + ' [/INST]' }}{% else %}{{ m['content'] + eos_token }}{% endif %}{% endfor %}",
        ("</s>", "[INST]"),
    ),
    "gemma": (
        _SPLIT_SYSTEM + "{{ bos_token }}{% for m in loop_messages %}"
        "{{ '<start_of_turn>' + ('model' if m['role'] == 'assistant' else 'user') + '\n' }}"
        "{% if loop.first and system %}{{ system + '\n\n' }}{% endif %}"
        "{{ m['content'] | trim + '<end_of_turn>\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}",
        ("<end_of_turn>", "<start_of_turn>"),
    ),
    "phi-3": (
        "{% for m in messages %}{{ '<|' + m['role'] + '|>\n' + m['content'] + '<|end|>\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}",
        ("<|end|>", "<|endoftext|>", "<|user|>"),
    ),
    "alpaca": (
        _SPLIT_SYSTEM + "{{ (system or " + json.dumps(ALPACA_DEFAULT_SYSTEM) + ") + '\n\n' }}"
        "{% for m in loop_messages %}{% if m['role'] == 'user' %}"
        "{{ '### Instruction:\n' + m['content'] + '\n\n' }}"
        "{% else %}{{ '### Response:\n' + m['content'] + '\n\n' }}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ '### Response:\n' }}{% endif %}",
        ("### Instruction:", "### Response:"),
    ),
    "vicuna": (
        _SPLIT_SYSTEM + "{{ (system or " + json.dumps(VICUNA_DEFAULT_SYSTEM) + ") + ' ' }}"
        "{% for m in loop_messages %}{% if m['role'] == 'user' %}{{ 'USER: ' + m['content'] + ' ' }}"
        "{% else %}{{ 'ASSISTANT: ' + m['content'] + eos_token }}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}",
        ("USER:", "</s>"),
    ),
    # Base models: the conversation is one running text for the model to continue.
    "plain": (
        _SPLIT_SYSTEM + "{% if system %}{{ system + '\n\n' }}{% endif %}"
        "{% for m in loop_messages %}{{ m['content'] }}{% endfor %}",
        (),
    ),
}
PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)
TEMPLATE_CHOICES: tuple[str, ...] = ("auto", *PRESET_NAMES)

MAX_TEMPLATE_CHARS = 1_000_000  # real ones are under 30,000

# End-of-turn markers: a model's own template that mentions one of these stops there.
_KNOWN_END_MARKERS = (
    "<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|end|>", "<|endoftext|>", "</s>",
    "<|end_of_text|>", "[INST]", "### Instruction:", "<|user|>", "<|im_start|>", "<|start_header_id|>",
)


def render(
    template: ChatTemplate,
    messages: Iterable[Message],
    *,
    bos_token: str = "",
    eos_token: str = "",
    add_generation_prompt: bool = True,
    tools: list[dict[str, Any]] | None = None,
) -> str:
    """The prompt for `messages`, with `tools` (OpenAI's shape) for templates that take them. The
    context is Hugging Face's `apply_chat_template` one (`tools` is None when there are none, which
    templates test with `tools is not none`); like llama.cpp, `date_string` is today's date."""
    compiled = _compile(template.source)
    from jinja2.exceptions import SecurityError

    from chatapp.core.runtime.template_budget import render_within_budget

    context: dict[str, Any] = {
        "messages": [template_message(m) for m in messages], "bos_token": bos_token, "eos_token": eos_token,
        "add_generation_prompt": add_generation_prompt,
        "date_string": datetime.now().strftime("%d %b %Y"), "tools": tools or None,
    }
    try:
        return render_within_budget(compiled, context)
    except TemplateError:
        raise
    except SecurityError as exc:
        raise TemplateError(QT_TRANSLATE_NOOP("core", "The {name} template tried something unsafe and was "
                                              "stopped ({reason})."), name=template.name, reason=exc) from None
    except Exception as exc:  # noqa: BLE001 - any failure inside untrusted template code
        raise TemplateError(QT_TRANSLATE_NOOP("core", "The {name} template failed to render: {reason}."),
                            name=template.name, reason=str(exc).rstrip(".")) from None


def template_message(m: Message) -> dict[str, Any]:
    """A message as chat templates expect it: an assistant's calls with their arguments as objects
    (templates apply `tojson` to them), its thinking as `reasoning_content` (only when it has some:
    templates test `reasoning_content is defined`), a tool result with the call it answers and the
    tool's name."""
    message: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.thinking:
        message["reasoning_content"] = m.thinking
    if m.tool_calls:
        message["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.parsed_arguments()}}
                                 for c in m.tool_calls]
    if m.role == "tool":
        message["tool_call_id"] = m.tool_call_id
        message["name"] = m.name
    return message


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None,
            separators: tuple[str, str] | None = None, sort_keys: bool = False) -> str:
    """`tojson` as Hugging Face's templates run it: keys in order, no HTML escaping, text kept as is
    (Jinja's own sorts keys and escapes <, > and &, so prompts would differ from the model's training)."""
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _raise_exception(message: str) -> NoReturn:
    raise TemplateError(f"The chat template refused this conversation: {message}")


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


@functools.cache
def _environment() -> BudgetedEnvironment:
    from chatapp.core.runtime.template_budget import BudgetedEnvironment

    env = BudgetedEnvironment(trim_blocks=True, lstrip_blocks=True, loader=None, autoescape=False,
                              extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = _tojson
    env.finalize_filters()
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    return env


@functools.lru_cache(maxsize=32)
def _compile(source: str) -> Any:
    from jinja2 import TemplateSyntaxError

    if len(source) > MAX_TEMPLATE_CHARS:  # compiling is not under the render budget: refuse a monster up front
        raise TemplateError(QT_TRANSLATE_NOOP("core", "The template is {chars:,} characters long; chat templates are "
                                              "far shorter, so it was not used."), chars=len(source))
    env = _environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(QT_TRANSLATE_NOOP("core", "The template has a syntax error on line {line}: {reason}."),
                            line=exc.lineno, reason=exc.message) from None
    _refuse_unsafe(tree)
    return env.from_string(source)


def _refuse_unsafe(tree: nodes.Template) -> None:
    from jinja2 import nodes

    """Refuse private attributes and file inclusion up front, so a hostile template fails at selection."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Include, nodes.Import,
                               nodes.FromImport, nodes.Extends)):
        if isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            raise TemplateError(QT_TRANSLATE_NOOP("core", "The template tries to include or import other files; that "
                                                  "is not allowed."))
        if isinstance(node, nodes.Getattr):
            name: object = node.attr
        elif isinstance(node, nodes.Getitem):
            name = getattr(node.arg, "value", None)
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            name = getattr(node.args[0], "value", None)  # the `attr` filter is getattr by another name
        else:
            name = None
        if isinstance(name, str) and name.startswith("_"):
            raise TemplateError(QT_TRANSLATE_NOOP("core", "The template accesses the private attribute '{name}'; that "
                                                  "is not allowed."), name=name)


def stops_for_source(source: str) -> tuple[str, ...]:
    return tuple(marker for marker in _KNOWN_END_MARKERS if marker in source)


def preset(name: str) -> ChatTemplate:
    try:
        source, stops = PRESETS[name]
    except KeyError:
        raise TemplateError(
            f"Unknown template '{name}': use auto, {', '.join(PRESET_NAMES)}, or a path to a Jinja template file."
        ) from None
    return ChatTemplate(name, source, stops)


def custom(source: str, name: str = "custom") -> ChatTemplate:
    """A user's template text; compiled now so mistakes surface when it is chosen, not mid-chat."""
    if not source.strip():
        raise TemplateError(QT_TRANSLATE_NOOP("core", "The custom template is empty."))
    _compile(source)
    return ChatTemplate(name, source, stops_for_source(source))


def from_choice(choice: str) -> ChatTemplate | None:
    """CLI/GUI choice: 'auto' (None: resolve once the model is known), a preset name, or a file path."""
    if choice == "auto":
        return None
    if choice in PRESETS:
        return preset(choice)
    path = Path(choice).expanduser()
    if path.is_file():
        try:
            return custom(path.read_text(encoding="utf-8"), name=f"custom ({path.name})")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"Cannot read template file {path}: {exc}.") from None
    return preset(choice)  # raises the "unknown template" message


def auto(
    metadata: Mapping[str, Any], model_template: str | None, is_single_token: Callable[[str], bool]
) -> ChatTemplate:
    """The model's own template when it has a usable one; otherwise the preset that fits its vocabulary."""
    if model_template:
        try:
            _compile(model_template)
            return ChatTemplate("auto", model_template, stops_for_source(model_template), "the model's own template")
        except TemplateError as exc:
            return fallback(guess_preset(metadata, is_single_token), str(exc))
    name = guess_preset(metadata, is_single_token)
    source, stops = PRESETS[name]
    why = "looks like a base model" if name == "plain" else "its vocabulary matches"
    return ChatTemplate(f"auto → {name}", source, stops, f"the model has no chat template; {why}, using {name}")


def fallback(name: str, reason: str) -> ChatTemplate:
    """Preset `name` standing in for a model's own template that was refused for `reason`."""
    return ChatTemplate(f"auto → {name}", PRESETS[name][0], PRESETS[name][1],
                        f"the model's template was refused ({reason.rstrip('.')}); using {name}")


def _looks_instruction_tuned(metadata: Mapping[str, Any]) -> bool:
    """Names like "Qwen2.5-7B-Instruct" or "gemma-3-1b-it" mark chat models; a bare name is a base model."""
    text = " ".join(str(metadata.get(k, "")) for k in ("general.finetune", "general.name", "general.basename"))
    words = set(re.split(r"[\s\-_.]+", text.lower()))
    return bool(words & {"it", "instruct", "chat", "rlhf", "sft"}) or "instruct" in text.lower()


def guess_preset(metadata: Mapping[str, Any], is_single_token: Callable[[str], bool]) -> str:
    """Pick a preset for a model without a template: its special tokens say which format it was tuned on."""
    if not _looks_instruction_tuned(metadata):
        return "plain"
    arch = str(metadata.get("general.architecture", ""))
    for marker, name in (
        ("<|eot_id|>", "llama-3"),
        ("<start_of_turn>", "gemma"),
        ("<|im_start|>", "chatml"),
        ("<|assistant|>", "phi-3"),
    ):
        if is_single_token(marker):
            return name
    if arch.startswith("phi3"):
        return "phi-3"
    if arch.startswith("gemma"):
        return "gemma"
    if is_single_token("[INST]"):
        return "mistral"
    return "chatml"
