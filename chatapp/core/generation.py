"""The one contract between whoever asks for a reply and whatever writes it.

Every door — the window, `chatapp chat`, each API dialect, voice — turns its own shapes into a frozen
`GenerationRequest`; every producer — the local engine behind the model router, a model on another
server — answers with a stream of typed events: `TextDelta` and `ThinkingDelta` pieces, `CallDelta`
pieces of tool calls, and exactly one `Done` at the end with the stats, the calls and the stop that
fired. A failure is raised from the stream instead (one sentence when it is a `KnownError`).

A reasoning model's thinking is told apart from its answer once, where tokens become text (the engine,
which knows whether the prompt opened the thinking block; a remote backend, from the server's
`reasoning_content` or the text), so no reader ever looks for `<think>` again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from chatapp.core.types import (
    CallDelta,
    ChatTemplate,
    GenerationStats,
    Message,
    OutputFormat,
    SamplingParams,
    Speculation,
    ToolCall,
    ToolSet,
)

MAX_TOP_LOGPROBS = 20  # alternatives a token's log-probability may come with (OpenAI's limit)


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate, addressed to a model. A chat request has `messages` (its template renders them);
    a completion has `prompt` instead (or `prompt_tokens`, the model's token ids), continued as is."""

    messages: tuple[Message, ...] = ()
    prompt: str | None = None
    prompt_tokens: tuple[int, ...] = ()
    model: str = ""  # a model's id as the router lists it; "": the default model
    sampling: SamplingParams = SamplingParams()
    stops: tuple[str, ...] = ()  # strings that end the reply (never shown), besides the template's own
    tools: ToolSet | None = None
    output: OutputFormat | None = None  # a shape the reply must take, enforced by a grammar
    template: ChatTemplate | None = None  # None: the model's own
    reply_prefix: str = ""  # text the reply already starts with (continuing it); only what follows is sent
    reply_prefix_thinking: str = ""  # ...and the thinking it had written (its block closed if the prefix has text)
    speculation: Speculation | None = None  # None: the engine's setting
    ignore_eos: bool = False  # never end by the model's choice: only a limit or a stop (benchmarks, llama.cpp's)
    logit_bias: tuple[tuple[int, float], ...] = ()  # (token id, what to add to its logit), -100…100 as OpenAI
    logprobs: int | None = None  # each generated token's log-probability and this many alternatives (None: none)
    explain: int = 0  # and this many of the model's likeliest tokens with what the sampler made of them (0: none)
    keep_alive: float | None = None  # seconds its model stays loaded unused after it (< 0: for good; None: default)

    def __post_init__(self) -> None:
        given = [bool(self.messages), self.prompt is not None, bool(self.prompt_tokens)]
        if sum(given) != 1:
            raise ValueError("a generation request has messages, a prompt or prompt tokens: one of them")
        if self.logprobs is not None and not 0 <= self.logprobs <= MAX_TOP_LOGPROBS:
            raise ValueError(f"logprobs must be between 0 and {MAX_TOP_LOGPROBS}")
        if not 0 <= self.explain <= MAX_TOP_LOGPROBS:
            raise ValueError(f"explain must be between 0 and {MAX_TOP_LOGPROBS}")

    @property
    def is_chat(self) -> bool:
        return bool(self.messages)


@dataclass(frozen=True, slots=True)
class TextDelta:
    """More of the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    """More of a reasoning model's thinking (never part of the answer)."""

    text: str


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """A generated token as the model weighed it: its text (and bytes: a token may hold part of a
    character), its log-probability under the model (log-softmax of its logits), and the most likely
    tokens at its place with theirs. It comes before the text it produced (which a stop string may hold)."""

    token: str
    data: bytes
    logprob: float
    top: tuple[tuple[str, bytes, float], ...] = ()
    # With `explain`: the model's likeliest tokens here (and the one drawn), as the sampler's settings saw them.
    choices: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A token the model weighed at one position: its probability under the model, under the sampler's
    settings (what the draw used; 0 when a step cut it), and the step that cut it ("" if kept)."""

    data: bytes
    model_p: float
    sampler_p: float
    cut_by: str = ""
    drawn: bool = False


@dataclass(frozen=True)
class Done:
    """The end of a generation. `stats` is None when it never started (dropped while it waited);
    `stop` is the request's stop string that ended it ("" when the model or a limit did)."""

    stats: GenerationStats | None
    tool_calls: tuple[ToolCall, ...] = ()
    stop: str = ""


Event = TextDelta | ThinkingDelta | CallDelta | TokenLogprob | Done


class EventStream:
    """A generation's events, in order, ending with one `Done` (then `done` is set). Iterate once; a
    second loop over the same stream goes on where the first stopped (how Ctrl+C drains a reply)."""

    def __init__(self, events: Iterator[Event]) -> None:
        self._events = events
        self.done: Done | None = None

    def __iter__(self) -> Iterator[Event]:
        for event in self._events:
            if isinstance(event, Done):
                self.done = event
            yield event

    @property
    def stats(self) -> GenerationStats | None:
        return self.done.stats if self.done is not None else None

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return self.done.tool_calls if self.done is not None else ()

    def texts(self) -> Iterator[str]:
        """The answer's pieces (thinking and call pieces left out)."""
        for event in self:
            if isinstance(event, TextDelta):
                yield event.text

    def text(self) -> str:
        """Consume the stream and return the answer."""
        return "".join(self.texts())
