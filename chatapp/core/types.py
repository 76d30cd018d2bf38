"""Immutable values passed between layers (and, in the GUI, between threads by identity)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Literal

from chatapp.core.errors import SettingsError

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ChatTemplate:
    """A chat template ready to render (core/runtime/templates.py renders it in a sandbox): `name` is
    what the user picked or what `auto` resolved to; `stops` end a reply besides the model's own end."""

    name: str
    source: str
    stops: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class ToolCall:
    """A call the model made: `arguments` is JSON text (an object), as OpenAI's API carries it."""

    id: str
    name: str
    arguments: str

    def parsed_arguments(self) -> dict[str, object]:
        import json

        value = json.loads(self.arguments or "{}")
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message — an image or a recording — as given (PNG, JPEG…; WAV, MP3…), named
    by its SHA-256, which is also how the KV cache recognises one it has already read."""

    data: bytes = field(repr=False)
    sha256: str
    mime: str

    @property
    def kind(self) -> str:
        """"image" or "audio", from its type."""
        return "audio" if self.mime.startswith("audio/") else "image"

    @classmethod
    def of(cls, data: bytes, mime: str) -> Attachment:
        import hashlib

        return cls(data, hashlib.sha256(data).hexdigest(), mime)


@dataclass(frozen=True)
class Message:
    """One turn of a conversation. An assistant turn may carry `tool_calls`; a `tool` turn is a call's
    result, naming the call it answers (`tool_call_id`) and the tool (`name`). A user turn may carry
    `attachments` (images, recordings), which the model takes in before the text; an assistant turn its
    `thinking`."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""
    name: str = ""
    attachments: tuple[Attachment, ...] = ()
    thinking: str = ""  # an assistant's reasoning before its answer (templates get it as `reasoning_content`)

    @property
    def images(self) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.kind == "image")

    @property
    def audio(self) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.kind == "audio")


class FinishReason(str, Enum):
    STOP = "stop"  # end-of-generation token or a stop string
    LENGTH = "length"  # max_tokens reached
    CONTEXT_FULL = "context_full"  # the context window filled up mid-reply
    CANCELLED = "cancelled"
    TOOL_CALLS = "tool_calls"  # the reply ended with calls to tools


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not isinstance(value, (int, float)) or math.isnan(value) or not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}; got {value!r}.")


@dataclass(frozen=True)
class SamplingParams:
    """Sampler settings, validated on construction so a bad value never reaches llama.cpp."""

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int = -1  # -1: a new random seed for every reply
    max_tokens: int = 1024
    # OpenAI's penalties (the API maps them; the window does not show them): subtract from the logit
    # of every token already in the last 64, once (presence) or per occurrence (frequency).
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0

    def __post_init__(self) -> None:
        _check_range("temperature", self.temperature, 0.0, 2.0)
        _check_range("presence penalty", self.presence_penalty, -2.0, 2.0)
        _check_range("frequency penalty", self.frequency_penalty, -2.0, 2.0)
        _check_range("top-p", self.top_p, 0.0, 1.0)
        _check_range("min-p", self.min_p, 0.0, 1.0)
        _check_range("repeat penalty", self.repeat_penalty, 0.5, 2.0)
        for name, value, low, high in (
            ("top-k", self.top_k, 0, 1000),
            ("seed", self.seed, -1, 2**32 - 1),
            ("max tokens", self.max_tokens, 1, 1_000_000),
        ):
            if not isinstance(value, int) or isinstance(value, bool):
                raise SettingsError(f"{name} must be a whole number; got {value!r}.")
            _check_range(name, value, low, high)

    def to_dict(self) -> dict[str, float | int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class LoadOptions:
    """How to load a model. None means "pick a sensible default for this machine and model"."""

    n_ctx: int | None = None
    n_threads: int | None = None
    n_gpu_layers: int | None = None
    # The vision projector (mmproj-*.gguf): None finds one beside the model, "" loads none.
    mmproj: str | None = None
    # API requests generated at once, batched together (core/runtime/batching.py); 1: one at a time,
    # in the main sequence, as the window's chat.
    parallel: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.parallel <= 64:
            raise SettingsError(f"parallel requests must be between 1 and 64; got {self.parallel}.")
        if self.n_ctx is not None and not 0 < self.n_ctx <= 1_048_576:
            raise SettingsError(f"context size must be between 1 and 1048576 tokens; got {self.n_ctx}.")
        if self.n_threads is not None and not 0 < self.n_threads <= 512:
            raise SettingsError(f"threads must be between 1 and 512; got {self.n_threads}.")
        if self.n_gpu_layers is not None and self.n_gpu_layers < -1:
            raise SettingsError(f"GPU layers must be -1 (all) or more; got {self.n_gpu_layers}.")


@dataclass(frozen=True)
class GenerationStats:
    prompt_tokens: int  # tokens in the whole rendered prompt
    prompt_tokens_evaluated: int  # of those, how many were not already in the KV cache
    completion_tokens: int
    ttft_s: float  # request start to first generated token
    tokens_per_s: float  # generated tokens per second after the first one
    total_s: float
    context_used: int
    context_size: int
    finish_reason: FinishReason
    dropped_messages: int = 0  # oldest turns left out to fit the context window
    template: str = ""
    draft_tokens: int = 0  # speculative decoding: tokens guessed and checked...
    accepted_tokens: int = 0  # ...and of those, the ones the sampler kept

    def to_dict(self) -> dict[str, object]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["finish_reason"] = self.finish_reason.value
        return d


@dataclass(frozen=True)
class ModelSummary:
    """What the engine reports once a model is loaded."""

    path: str
    name: str
    architecture: str
    context_size: int
    context_train: int
    n_threads: int
    n_gpu_layers: int
    backend: str
    template_name: str
    template_note: str = ""
    metadata: dict[str, str] = field(default_factory=dict, compare=False)
    quantization: str = ""  # "Q4_K_M", "F16"... ("" for a model on a server)
    file_size: int = 0
    projector: str = ""  # the projector's path, when the model sees images or hears recordings
    sees_images: bool = False  # the projector takes images in (a vision encoder)
    hears_audio: bool = False  # the projector takes recordings in (an audio encoder)


@dataclass(frozen=True)
class LoadedModel:
    """A model in memory, as the server's `/api/ps` and the window's Local server show it (the model router's
    `loaded()`)."""

    model: str
    path: Path
    summary: ModelSummary | None  # None while it loads
    owner: str  # "window" (the window's own model) or "api" (loaded for a request)
    active: int  # requests running or waiting on it
    memory: int  # bytes, estimated from its header and context
    expires_in: float | None  # seconds until it is unloaded if nobody uses it (None: never)


# Where models are searched for and downloaded from (core/models/sources.py); "" in the settings: not
# chosen yet (Hugging Face, and the window may suggest another where huggingface.co is out of reach).
MODEL_SOURCE_KINDS = ("hf", "mirror", "modelscope")
DEFAULT_MIRROR_URL = "https://hf-mirror.com"
SPECULATION_MODES = ("off", "prompt-lookup", "draft")
DEFAULT_SPECULATION = "prompt-lookup"  # never slower on free text, faster where text repeats: docs/benchmarks.md


@dataclass(frozen=True)
class Speculation:
    """How a reply may be sped up. `prompt-lookup`: n-gram drafts from the prompt and the reply so far;
    `draft`: a draft model's guesses (the engine needs one loaded: Engine.set_speculation)."""

    mode: str = "prompt-lookup"
    max_draft: int = 32

    def __post_init__(self) -> None:
        if self.mode not in SPECULATION_MODES:
            raise SettingsError(
                f"speculative decoding must be one of {', '.join(SPECULATION_MODES)}; got {self.mode!r}.")

    @property
    def enabled(self) -> bool:
        return self.mode != "off" and self.max_draft > 0


OUTPUT_KINDS = ("json_schema", "json_object", "grammar")


@dataclass(frozen=True)
class OutputFormat:
    """The shape a reply must take, enforced token by token by a grammar in the sampler:
    `json_schema` (text: the schema as JSON), `json_object` (any JSON object) or `grammar` (text: GBNF)."""

    kind: str
    text: str = ""
    name: str = ""  # the schema's name, as OpenAI's response_format carries it

    def __post_init__(self) -> None:
        if self.kind not in OUTPUT_KINDS:
            raise SettingsError(f"an output format is one of {', '.join(OUTPUT_KINDS)}; got {self.kind!r}.")

    @property
    def is_json(self) -> bool:
        return self.kind in ("json_schema", "json_object")


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, what it does, and its arguments' JSON schema (as JSON text,
    so the value stays immutable). `source` says where it comes from (an MCP server's name, or "")."""

    name: str
    description: str = ""
    parameters: str = '{"type": "object", "properties": {}}'
    source: str = ""

    def schema(self) -> dict[str, object]:
        import json

        value = json.loads(self.parameters)
        return value if isinstance(value, dict) else {"type": "object"}

    def openai(self) -> dict[str, object]:
        """As OpenAI's `tools` list and chat templates take it."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.schema()}}


TOOL_CHOICES = ("auto", "none", "required")


@dataclass(frozen=True)
class ToolSet:
    """The tools a reply may call and how: `choice` is auto, none, required, or one tool's name (that
    call is forced); `parallel`: several calls in one reply."""

    tools: tuple[ToolSpec, ...]
    choice: str = "auto"
    parallel: bool = True

    def __post_init__(self) -> None:
        names = [t.name for t in self.tools]
        if self.choice not in TOOL_CHOICES and self.choice not in names:
            raise SettingsError(f"tool_choice must be auto, none, required or a tool's name; got {self.choice!r}.")

    @property
    def active(self) -> bool:
        return bool(self.tools) and self.choice != "none"


@dataclass(frozen=True)
class CallDelta:
    """A piece of a tool call while it is written: index, id and name come once, arguments in pieces."""

    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool call gave back: the text for the model, whether the tool failed (the model is told
    so), where it ran, how long it took, and whether the user stopped or refused it."""

    content: str
    is_error: bool = False
    server: str = ""
    seconds: float = 0.0
    cancelled: bool = False
    denied: bool = False
