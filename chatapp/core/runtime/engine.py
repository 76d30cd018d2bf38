"""The one place that runs llama.cpp: load a GGUF, turn a conversation into a streamed reply.

Speed rules this module keeps (see docs/benchmarks.md):
- threads = physical cores (llama-cpp-python's default of half the cores halves decode speed here);
- the KV cache keeps the longest common token prefix between turns (core/kv_sequence.py), so a new turn
  evaluates only the new tokens, not the history; a prompt wholly in the cache (Regenerate) is not
  evaluated again at all, and its first token is sampled from the logits kept from its first reading,
  so a fixed seed gives the same reply cached or not;
- sampling is llama.cpp's native sampler chain (core/sampler.py), one per reply;
- when history must be dropped to fit the context, it is dropped with slack so the following turns
  reuse the cache again instead of re-reading everything every turn.
An `Engine` is not thread-safe: one thread owns it (the CLI's main thread, or the model host's).
Only `cancel` may be set from another thread. The exception, parallel requests: a model loaded with
`LoadOptions.parallel` > 1 has that many more sequences in its context, and generations run on
threads of their own, each with the sequence its `SequenceLease` took, while the owner thread decodes
for all of them at once (core/runtime/batching.py, core/runtime/model_host.py). Nothing a request
chooses is kept on the engine: its template and its sequence travel with it.
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatapp.core.errors import (
    QT_TRANSLATE_NOOP,
    ContextOverflowError,
    EngineStateError,
    ModelFileError,
    SettingsError,
    TemplateBudgetError,
    TemplateError,
)
from chatapp.core.generation import (
    Candidate,
    Done,
    Event,
    EventStream,
    GenerationRequest,
    TextDelta,
    ThinkingDelta,
    TokenLogprob,
)
from chatapp.core.images import ImageError
from chatapp.core.models import memory
from chatapp.core.models.library import find_projector
from chatapp.core.reasoning import OPEN as THINKING_OPEN
from chatapp.core.reasoning import ThinkingSplitter
from chatapp.core.reasoning import join as join_thinking
from chatapp.core.runtime import llama_runtime
from chatapp.core.runtime.speculative import BatchCosts, Drafter, NgramDrafter
from chatapp.core.runtime.templates import auto as auto_template
from chatapp.core.runtime.templates import fallback as template_fallback
from chatapp.core.runtime.templates import guess_preset
from chatapp.core.runtime.templates import render as render_template
from chatapp.core.runtime.vision import Projector, VisionPrompt
from chatapp.core.types import (
    Attachment,
    CallDelta,
    ChatTemplate,
    FinishReason,
    GenerationStats,
    LoadOptions,
    Message,
    ModelSummary,
    OutputFormat,
    SamplingParams,
    Speculation,
    ToolCall,
    ToolSet,
)

if TYPE_CHECKING:
    import numpy as np

    # Imported where used: they pull in numpy and gguf-py (~0.25 s), which the window should not pay
    # for before it shows; the model host thread imports them with the first load.
    from chatapp.core.models.gguf_info import GGUFHeader
    from chatapp.core.runtime.batching import DecodeScheduler
    from chatapp.core.runtime.draft_model import DraftModel
    from chatapp.core.runtime.kv_sequence import KvSequence
    from chatapp.core.runtime.sampler import NativeSampler, Weighed
    from chatapp.core.runtime.tool_calls import CallWatch
    from chatapp.core.tools.formats import CallFormat

log = logging.getLogger(__name__)

# After dropping old turns, leave this fraction of the context free so the next turns fit without
# dropping again (each drop changes the prompt's start and forces a full re-read).
DROP_SLACK_FRACTION = 0.25
# The smallest reply room worth generating into when the new message barely fits.
MIN_REPLY_TOKENS = 16
NEEDS_DRAFT_MODEL = QT_TRANSLATE_NOOP("core", "Speculative decoding with a draft model needs a draft model: choose "
                                      "its file.")
# A vision projector takes its file's size in memory and about as much again for encoding an image.
PROJECTOR_MEMORY_FACTOR = 2.0
# Prompts with more new tokens than this can be cancelled while llama.cpp reads them.
ABORTABLE_PROMPT_TOKENS = 128


@dataclass(frozen=True)
class PreparedPrompt:
    text: str
    tokens: list[int]
    messages: tuple[Message, ...]
    dropped_messages: int
    vision: VisionPrompt | None = None  # the images' spans in `tokens`, when the messages carry images
    reply_start: int = -1  # where a continued reply's text starts in `text` (-1: the prompt ends it)
    exact_text: bool = True  # `text` tokenizes to `tokens` (not so for token ids given, read back as text)


class _PromptAborted(Exception):
    """llama.cpp stopped reading the prompt because the request was cancelled."""


class _StopStringFilter:
    """Holds back text that might be the start of a stop string, so a stop never leaks into the reply."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self.pending = ""
        self.hit = ""  # the stop string that ended the text

    def feed(self, text: str) -> tuple[str, bool]:
        """Returns (text safe to show, whether a stop string was hit)."""
        self.pending += text
        if not self.stops:
            out, self.pending = self.pending, ""
            return out, False
        hits = [(i, stop) for stop in self.stops if (i := self.pending.find(stop)) >= 0]
        if hits:
            at, self.hit = min(hits, key=lambda hit: hit[0])
            out = self.pending[:at]
            self.pending = ""
            return out, True
        hold = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(self.pending)), 0, -1):
                if self.pending.endswith(stop[:n]):
                    hold = max(hold, n)
                    break
        out = self.pending[: len(self.pending) - hold]
        self.pending = self.pending[len(self.pending) - hold :]
        return out, False

    def flush(self) -> str:
        out, self.pending = self.pending, ""
        return out


class Engine:
    def __init__(self) -> None:
        self._llm: Any = None
        self._seq: KvSequence | None = None  # the main sequence: the window's conversation, the CLI's
        # Parallel loads: the sequences API requests borrow, and the scheduler batching their decodes.
        self._pool: list[KvSequence] = []
        self._free: list[KvSequence] = []  # of the pool, those no generation holds (oldest use first)
        self._pool_lock = threading.Lock()
        self.scheduler: DecodeScheduler | None = None
        self.header: GGUFHeader | None = None
        self.summary: ModelSummary | None = None
        self._own_template: ChatTemplate | None = None  # the model's (`auto`), resolved at load
        self.cancel = threading.Event()
        # Speculative decoding for every reply that does not say otherwise (Engine.set_speculation).
        self.speculation = Speculation("off")
        self._draft_model: DraftModel | None = None
        self._projector: Projector | None = None
        self._projector_problem: ModelFileError | None = None
        self._eog: np.ndarray | None = None  # the model's end-of-generation tokens, found when first asked
        # What checking a batch costs on this machine, timed from the replies' own decodes: one per model
        # and thread count, kept across loads for the engine's life (speculative.BatchCosts).
        self._batch_costs: dict[tuple[str, int, int], BatchCosts] = {}
        self.batch_costs = BatchCosts()

    # ----- loading -----------------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(
        self,
        path: str | Path,
        options: LoadOptions = LoadOptions(),
        progress: Callable[[float], bool] | None = None,
    ) -> ModelSummary:
        """Check the file, then load it. `progress` returns False to abort. Replies use the model's own
        template (`auto`) unless their request names another."""
        from chatapp.core.models.gguf_info import read_header
        from chatapp.core.runtime.kv_sequence import KvSequence

        header = read_header(path)
        n_threads = options.n_threads or memory.physical_cores()
        n_gpu_layers = options.n_gpu_layers
        if n_gpu_layers is None:
            n_gpu_layers = -1 if llama_runtime.supports_gpu_offload() else 0
        n_ctx = options.n_ctx or memory.default_context(header)
        projector = (find_projector(header.path) if options.mmproj is None else
                     Path(options.mmproj).expanduser() if options.mmproj else None)
        if projector is not None and not projector.is_file():
            raise ModelFileError(QT_TRANSLATE_NOOP("core", "The vision projector {path} does not exist."),
                                 path=projector)
        memory.check_fits(header, n_ctx, gpu_offload=n_gpu_layers != 0 and llama_runtime.supports_gpu_offload(),
                          extra=int(projector.stat().st_size * PROJECTOR_MEMORY_FACTOR) if projector else 0)

        self.unload()
        lib = llama_runtime.llama()
        mark = llama_runtime.mark_log()
        aborted = False

        def on_progress(fraction: float) -> bool:
            nonlocal aborted
            aborted = not progress(fraction) if progress is not None else False
            return not aborted

        try:
            with llama_runtime.model_params_hook(on_progress if progress is not None else None,
                                                 n_seq_max=1 + options.parallel if options.parallel > 1 else 1):
                llm = lib.Llama(
                    model_path=str(header.path),
                    n_ctx=n_ctx,
                    n_threads=n_threads,
                    n_threads_batch=n_threads,
                    n_gpu_layers=n_gpu_layers,
                    # llama.cpp itself defaults to flash attention where the backend has it (all CPUs);
                    # llama-cpp-python turns it off, which costs ~4% decode speed here.
                    flash_attn=True,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            if aborted:
                raise ModelFileError(QT_TRANSLATE_NOOP("core", "Loading {name} was cancelled."),
                                     name=header.path.name) from None
            reason = llama_runtime.last_error_since(mark) or str(exc)
            raise ModelFileError(QT_TRANSLATE_NOOP("core", "llama.cpp could not load {name}: {reason}"),
                                 name=header.path.name, reason=reason.strip()) from None

        self._projector_problem = None
        if projector is not None:
            try:
                self._projector = Projector(projector, llm, n_threads)
            except ModelFileError as exc:
                if options.mmproj:  # asked for by name: its failure is the answer
                    llm.close()
                    raise
                # Found beside the model: the model still works for text; an image gets the reason.
                log.warning("vision projector %s not loaded: %s", projector, exc)
                self._projector_problem, projector = exc, None
        self._llm = llm
        if options.parallel > 1:
            from chatapp.core.runtime.batching import DecodeScheduler

            self.scheduler = DecodeScheduler(llm._ctx.ctx, llm.n_batch)
            self._pool = [KvSequence(llm, seq_id, self.scheduler) for seq_id in range(1, options.parallel + 1)]
            self._free = list(self._pool)
        self._seq = KvSequence(llm, 0, self.scheduler)
        self.header = header
        self.batch_costs = self._batch_costs.setdefault((str(header.path), n_threads, n_gpu_layers), BatchCosts())
        self._own_template = auto_template(header.metadata, header.chat_template, self._is_single_token)
        self.summary = ModelSummary(
            path=str(header.path),
            name=header.name,
            architecture=header.architecture,
            context_size=llm.n_ctx(),
            context_train=header.context_length,
            n_threads=n_threads,
            n_gpu_layers=n_gpu_layers,
            backend=llama_runtime.backend_name(n_gpu_layers),
            template_name=self._own_template.name,
            template_note=self._own_template.note,
            metadata={k: str(v)[:200] for k, v in header.metadata.items() if not isinstance(v, dict)},
            quantization=header.quantization,
            file_size=header.file_size,
            projector=str(projector) if projector is not None else "",
            sees_images=self.sees_images,
            hears_audio=self.hears_audio,
        )
        log.info("loaded %s: ctx=%d threads=%d gpu_layers=%d", header.path, llm.n_ctx(), n_threads, n_gpu_layers)
        return self.summary

    def unload(self) -> None:
        self._close_draft_model()
        if self._projector is not None:  # before the model: libmtmd holds its vocabulary
            self._projector.close()
            self._projector = None
        if self._llm is not None:
            self._llm.close()
        if self.scheduler is not None:
            self.scheduler.close()
        self._llm = None
        self._seq = None
        self.scheduler, self._pool, self._free = None, [], []
        self.header = None
        self.summary = None
        self._own_template = None
        self._eog = None

    # ----- parallel generations ----------------------------------------------------------------------
    @property
    def parallel(self) -> int:
        """How many API requests may generate at once beside the main sequence (0: loaded for one)."""
        return len(self._pool)

    def lease(self, pooled: bool) -> SequenceLease:
        """The sequence one generation will use: the main one, or (`pooled`, on a parallel load) one of
        the pool, taken at its first prompt; `release` it when the generation ends."""
        self._require()
        return SequenceLease(self, pooled and bool(self._pool))

    def _take(self, prompt: str) -> KvSequence:
        """A free sequence of the pool for `prompt`: the one whose cache holds most of it."""
        with self._pool_lock:
            if not self._free:
                raise EngineStateError(QT_TRANSLATE_NOOP(
                    "core", "Every parallel sequence is busy; the request could not start."))
            seq = max(self._free, key=lambda s: (_common_prefix(s.cached_text, prompt), -self._free.index(s)))
            self._free.remove(seq)
        return seq

    def _give_back(self, seq: KvSequence) -> None:
        with self._pool_lock:
            self._free.append(seq)

    def _make_room(self, seq: KvSequence, need: int) -> None:
        """Free idle pool sequences' caches (oldest first) until `need` more cells fit in the context
        the sequences share."""
        if self.scheduler is None:
            return
        n_ctx = self._require().n_ctx()
        with self._pool_lock:  # taken out of the pool while emptied: no request may pick one meanwhile
            used = sum(len(s.tokens) for s in (self._seq, *self._pool) if s is not None and s is not seq)
            emptied: list[KvSequence] = []
            for other in [s for s in self._free if s.tokens]:
                if used + need <= n_ctx:
                    break
                used -= len(other.tokens)
                emptied.append(other)
                self._free.remove(other)
        for other in emptied:
            other.clear()
        with self._pool_lock:
            self._free[:0] = emptied

    def set_speculation(self, speculation: Speculation, draft_model: str | Path | None = None) -> None:
        """Speculative decoding for the following replies. Mode `draft` loads `draft_model` beside the
        loaded model (raises ModelFileError in one sentence if it cannot draft for it); a main model
        loaded later drops the draft model, so set this again after `load`."""
        llm = self._require()
        if speculation.mode == "draft":
            if draft_model is None:
                raise SettingsError(NEEDS_DRAFT_MODEL)
            if self._draft_model is None or self._draft_model.path != Path(draft_model).resolve():
                self._close_draft_model()
                assert self.summary is not None
                from chatapp.core.runtime.draft_model import DraftModel

                self._draft_model = DraftModel(draft_model, llm, self.summary.n_threads, self.scheduler)
        else:
            self._close_draft_model()
        self.speculation = speculation

    def _close_draft_model(self) -> None:
        if self._draft_model is not None:
            self._draft_model.close()
            self._draft_model = None
        if self.speculation.mode == "draft":
            self.speculation = Speculation("off")

    def _drafter(self, tokens: Sequence[int], speculation: Speculation | None, seq: KvSequence) -> Drafter | None:
        speculation = speculation or self.speculation
        if not speculation.enabled:
            return None
        # The draft model keeps one sequence of its own: it drafts for the main one; pooled ones use n-grams.
        if speculation.mode == "draft" and seq is self._seq:
            if self._draft_model is None:
                raise SettingsError(NEEDS_DRAFT_MODEL)
            return self._draft_model.drafter(tokens, speculation.max_draft)
        return NgramDrafter(tokens, speculation.max_draft, self.batch_costs)

    def _end_tokens(self) -> np.ndarray:
        """The ids of every token that ends a generation (found once per model: ~0.1 s over 262k tokens)."""
        if self._eog is None:
            import numpy as np

            llm = self._require()
            lib, vocab = llama_runtime.llama(), llm._model.vocab
            self._eog = np.array([t for t in range(llm.n_vocab()) if lib.llama_vocab_is_eog(vocab, t)], dtype=np.int64)
        return self._eog

    def _require(self) -> Any:
        if self._llm is None:
            raise EngineStateError(QT_TRANSLATE_NOOP("core", "No model is loaded; load a model first."))
        return self._llm

    # ----- templates and tokens ----------------------------------------------------------------------
    @property
    def own_template(self) -> ChatTemplate:
        """The model's own template (`auto`): its chat template, or the preset that fits it."""
        self._require()
        assert self._own_template is not None
        return self._own_template

    def template_for(self, template: ChatTemplate | None) -> ChatTemplate:
        """The template a request renders with: the one it names, or the model's own."""
        return template or self.own_template

    def _is_single_token(self, text: str) -> bool:
        return len(self._require().tokenize(text.encode(), add_bos=False, special=True)) == 1

    def _special_text(self, token_id: int) -> str:
        if token_id < 0:
            return ""
        return str(self._require()._model.token_get_text(token_id))

    def render(self, messages: Sequence[Message], template: ChatTemplate | None = None,
               add_generation_prompt: bool = True, tools: ToolSet | None = None) -> str:
        """The prompt text with `template` (None: the model's own); with `tools`, in the template's own
        way of taking them or chatapp's generic one (core/tools/rendering.py). A history's calls and
        results are rendered either way."""
        llm = self._require()
        template = self.template_for(template)
        from chatapp.core.tools.rendering import for_template

        messages, tool_list = for_template(self._with_markers(messages), tools.tools if tools is not None else (),
                                           self.call_format(template))
        try:
            return render_template(
                template,
                messages,
                bos_token=self._special_text(llm.token_bos()),
                eos_token=self._special_text(llm.token_eos()),
                add_generation_prompt=add_generation_prompt,
                tools=tool_list,
            )
        except TemplateBudgetError as exc:
            raise self._template_overran(exc, template) from None

    def _with_markers(self, messages: Sequence[Message]) -> Sequence[Message]:
        """Each attachment the projector takes as its marker before its message's text (where libmtmd
        puts it): images for a vision projector, recordings for an audio one. What the model cannot take
        in is left out of earlier turns (a conversation begun with a model that sees goes on with one
        that does not) and refused in the newest message, in one sentence."""
        if messages:
            self._check_takes(messages[-1])
        kept = [dataclasses.replace(m, attachments=self._media(m)) if m.attachments else m for m in messages]
        if self._projector is None or not any(m.attachments for m in kept):
            return kept
        projector = self._projector
        return [dataclasses.replace(m, content="".join(projector.marker_for(a) for a in m.attachments) + m.content,
                                    attachments=()) if m.attachments else m for m in kept]

    def _media(self, message: Message) -> tuple[Attachment, ...]:
        """The message's attachments the loaded projector takes in, in their order."""
        return tuple(a for a in message.attachments
                     if (a.kind == "image" and self.sees_images) or (a.kind == "audio" and self.hears_audio))

    def _check_takes(self, message: Message) -> None:
        """Raise the sentence for an attachment of the newest message that the model cannot take in."""
        if not message.attachments:
            return
        assert self.header is not None
        name = self.header.path.name
        if message.audio and not self.hears_audio:
            if self._projector is None and self._projector_problem is not None:
                raise ImageError(QT_TRANSLATE_NOOP("core", "{model} cannot listen to recordings now: {problem}"),
                                 model=name, problem=self._projector_problem)
            raise ImageError(QT_TRANSLATE_NOOP(
                "core", "{model} cannot listen to recordings: it has no audio projector (an mmproj-….gguf made for "
                "audio, as Ultravox, Qwen2-Audio and Voxtral have). Send what was said as text, or choose a model "
                "that hears."), model=name)
        if not message.images or self.sees_images:
            return
        if self._projector is None and self._projector_problem is not None:
            raise ImageError(QT_TRANSLATE_NOOP("core", "{model} cannot see images now: {problem}"),
                             model=name, problem=self._projector_problem)
        if self._projector is not None:
            raise ImageError(QT_TRANSLATE_NOOP("core", "{model} cannot see images: its projector {projector} "
                                               "takes recordings only. Choose a model that sees images."),
                             model=name, projector=self._projector.path.name)
        raise ImageError(QT_TRANSLATE_NOOP(
            "core", "{model} cannot see images: it has no vision projector. Download the model's mmproj-….gguf "
            "file into the same folder (the model manager offers it with vision models), or choose a model "
            "that sees images."), model=name)

    def readable(self, prompt: str) -> str:
        """A rendered prompt as people read it: each image's marker shown as [image], a recording's as [audio]."""
        return self._projector.readable(prompt) if self._projector is not None else prompt

    @property
    def sees_images(self) -> bool:
        return self._projector is not None and self._projector.vision

    @property
    def hears_audio(self) -> bool:
        """The loaded projector takes recordings in (libmtmd's audio encoders: Ultravox, Qwen2-Audio…)."""
        return self._projector is not None and self._projector.audio

    @property
    def images_encoded(self) -> int:
        """Images read into the context since loading (one found in the KV cache is not read again)."""
        return self._projector.encoded if self._projector is not None else 0

    @property
    def image_seconds(self) -> tuple[float, float]:
        """Since loading: seconds in the projector's encoder, and reading its embeddings into the context."""
        return (self._projector.encode_s, self._projector.read_s) if self._projector is not None else (0.0, 0.0)

    def _template_overran(self, exc: TemplateBudgetError, template: ChatTemplate) -> TemplateError:
        """The sentence for a template that overran its budget. The model's own template is replaced by
        the preset that fits the model, for this and every later request, so the model stays usable."""
        assert self.header is not None and self.summary is not None
        if template.name != "auto" or template.source != self.header.chat_template:
            return TemplateError(QT_TRANSLATE_NOOP("core", "The {name} template {what} and was stopped."),
                                 name=template.name, what=exc.what)
        log.warning("the chat template of %s overran its budget (%s); using a preset", self.header.path, exc.what)
        preset = guess_preset(self.header.metadata, self._is_single_token)
        self._own_template = template_fallback(preset, str(exc.what))
        self.summary = dataclasses.replace(self.summary, template_name=self._own_template.name,
                                           template_note=self._own_template.note)
        return TemplateError(QT_TRANSLATE_NOOP("core", "The chat template inside {model} {what} and was stopped; "
                                               "chatapp uses its {preset} template for this model from now on."),
                             model=self.header.path.name, what=exc.what, preset=preset)

    def call_format(self, template: ChatTemplate | None = None) -> CallFormat:
        """How this model writes tool calls with `template` (None: its own): the template's family, or
        chatapp's generic format."""
        from chatapp.core.tools.formats import detect

        return detect(self.template_for(template).source)

    def tokenize(self, text: str) -> list[int]:
        """Tokens as the model sees them: special tokens parsed, BOS added once if the model wants one."""
        llm = self._require()
        tokens: list[int] = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        bos = llm.token_bos()
        if llm._model.add_bos_token() and bos >= 0 and tokens[:1] != [bos]:
            tokens.insert(0, bos)
        return tokens

    def tokenize_reusing_cache(self, text: str, seq: KvSequence) -> list[int]:
        """Like `tokenize`, but a prompt that extends the cached text of the generation's sequence `seq`
        keeps the cached tokens. The text kept beside the cache matters: the
        next prompt usually starts with it, and reusing the very tokens the model generated (rather than
        re-tokenizing the reply, which rarely gives the same tokens back) keeps the history in the cache.

        Only spliced where the new part starts with a special token (the end-of-turn marker every chat
        template puts after a reply): there, tokenizing the new part alone cannot differ from tokenizing
        the whole text. Anywhere else (plain text running on), the whole text is tokenized.
        """
        cached = seq.cached_text
        if cached and len(text) > len(cached) and text.startswith(cached):
            llm = self._require()
            rest = llm.tokenize(text[len(cached) :].encode("utf-8"), add_bos=False, special=True)
            lib = llama_runtime.llama()
            special = lib.LLAMA_TOKEN_ATTR_CONTROL | lib.LLAMA_TOKEN_ATTR_USER_DEFINED
            if rest and llm._model.token_get_attr(rest[0]) & special:
                return seq.cached_tokens + rest
        return self.tokenize(text)

    def _remember_cache(self, seq: KvSequence, prompt_text: str, prompt_tokens: list[int],
                        generated: list[int]) -> None:
        """Record the prompt and reply tokens (the last may be sampled but not yet evaluated) as text."""
        llm = self._require()
        seq.cached_text, seq.cached_tokens = "", []
        try:
            reply = llama_runtime.detokenize(llm._model.vocab, generated, special=True).decode("utf-8")
        except UnicodeDecodeError:  # a reply cut inside a character: fall back to plain prefix reuse
            return
        seq.cached_text, seq.cached_tokens = prompt_text + reply, prompt_tokens + generated

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    # ----- context policy ----------------------------------------------------------------------------
    def prepare(self, messages: Sequence[Message], max_tokens: int, tools: ToolSet | None = None,
                template: ChatTemplate | None = None) -> PreparedPrompt:
        """Render the conversation with `template` (None: the model's own), dropping the oldest turns
        (never the system prompt or the new message) when it would not leave room for the reply."""
        n_ctx = self._require().n_ctx()
        system = [m for m in messages[:1] if m.role == "system"]
        rest = list(messages[len(system) :])
        reply_room = max(MIN_REPLY_TOKENS, min(max_tokens, n_ctx // 4))

        def build(history: list[Message]) -> PreparedPrompt:
            msgs = tuple(system + history)
            text = self.render(msgs, template, tools=tools)
            # render left out of earlier turns what the projector does not take (and refused it in a new one)
            media = [a for m in msgs for a in self._media(m)]
            if media:
                assert self._projector is not None
                vision = self._projector.tokenize(text, media)
                return PreparedPrompt(text, vision.tokens, msgs, len(rest) - len(history), vision)
            return PreparedPrompt(text, self.tokenize(text), msgs, len(rest) - len(history))

        prepared = build(rest)
        if len(prepared.tokens) + reply_room <= n_ctx:
            return prepared
        target = n_ctx - reply_room - int(n_ctx * DROP_SLACK_FRACTION)
        history = rest
        while len(history) > 1:
            # Drop a whole exchange at a time so the history never starts with an assistant message.
            history = history[2:] if len(history) > 2 and history[0].role == "user" else history[1:]
            prepared = build(history)
            if len(prepared.tokens) <= target:
                return prepared
        if len(prepared.tokens) + MIN_REPLY_TOKENS <= n_ctx:
            return prepared
        raise ContextOverflowError(
            QT_TRANSLATE_NOOP("core", "Your message is too long for this model's context: the prompt needs "
                              "{need:,} tokens and the context holds {ctx:,}. Shorten the message or raise the "
                              "context size."),
            need=len(prepared.tokens), ctx=n_ctx,
        )

    # ----- generation --------------------------------------------------------------------------------
    def generate(self, request: GenerationRequest, cancel: threading.Event | None = None,
                 lease: SequenceLease | None = None) -> EventStream:
        """Stream the reply `request` asks for, as events ending with one `Done`.

        The prompt is rendered, checked and tokenized now, so a request that cannot run (a template
        that fails, a message too long for the context, an output format or tool schema the grammar
        cannot hold, an image the model cannot see) raises its one sentence before anything is generated.
        `cancel`: an event owned by this one request (set from another thread, even before generation
        starts); without one, `self.cancel` is cleared and used. `lease`: the KV sequence to use (None:
        the main one).
        """
        started = time.perf_counter()
        lease = lease or SequenceLease(self, pooled=False)
        grammar = self._grammar_text(request.output)
        if not request.is_chat:
            prepared, template = self._prepare_completion(request, lease), None
            watch = None
        else:
            template = self.template_for(request.template)
            prepared = self._prepare_chat(request, template, lease)
            watch = self._call_watch(request.tools, template) if request.output is None else None
        return EventStream(self._generate(request, prepared, template, lease.sequence(prepared.text), started,
                                          cancel, grammar, watch))

    def chat(self, messages: Sequence[Message], params: SamplingParams = SamplingParams(),
             cancel: threading.Event | None = None, **options: Any) -> EventStream:
        """`generate` for a conversation (scripts, tests, benchmarks): `options` are the request's other
        fields (`stops`, `tools`, `output`, `template`, `reply_prefix`, `speculation`)."""
        return self.generate(GenerationRequest(tuple(messages), sampling=params, **options), cancel)

    def complete(self, prompt: str, params: SamplingParams = SamplingParams(), cancel: threading.Event | None = None,
                 **options: Any) -> EventStream:
        """`generate` for raw text, no template (the API's completions, base models, benchmarks)."""
        return self.generate(GenerationRequest(prompt=prompt, sampling=params, **options), cancel)

    def _prepare_chat(self, request: GenerationRequest, template: ChatTemplate, lease: SequenceLease) -> PreparedPrompt:
        prepared = self.prepare(request.messages, request.sampling.max_tokens, request.tools, template)
        prefix = self._reply_prefix(prepared.text, request)
        if prepared.vision is None:
            text = prepared.text + prefix
            return PreparedPrompt(text, self.tokenize_reusing_cache(text, lease.sequence(text)), prepared.messages,
                                  prepared.dropped_messages, reply_start=len(prepared.text))
        tail = []
        if prefix:  # after the images' placeholders: tokenized on its own
            tail = self._require().tokenize(prefix.encode("utf-8"), add_bos=False, special=True)
        return dataclasses.replace(prepared, text=prepared.text + prefix, tokens=prepared.tokens + tail,
                                   reply_start=len(prepared.text))

    @staticmethod
    def _reply_prefix(prompt: str, request: GenerationRequest) -> str:
        """The text a continued reply already has, as the model wrote it: its thinking (opened here unless
        the prompt opened it), then its answer."""
        if not request.reply_prefix_thinking:
            return request.reply_prefix
        text = join_thinking(request.reply_prefix_thinking, request.reply_prefix, thinking_done=False)
        opened_by_prompt = prompt.rstrip().endswith(THINKING_OPEN)
        return text[len(THINKING_OPEN):].lstrip("\n") if opened_by_prompt else text

    def prompt_tokens(self, request: GenerationRequest) -> int:
        """How many tokens the model reads for `request`: its whole prompt, nothing left out to fit."""
        if request.prompt_tokens:
            return len(request.prompt_tokens)
        if request.prompt is not None:
            return len(self.tokenize(request.prompt))
        text = self.render(request.messages, request.template, tools=request.tools)
        media = [a for m in request.messages for a in self._media(m)]
        if not media:
            return len(self.tokenize(text))
        assert self._projector is not None
        vision = self._projector.tokenize(text, media)
        try:
            return len(vision.tokens)
        finally:
            vision.close()

    def _prepare_completion(self, request: GenerationRequest, lease: SequenceLease) -> PreparedPrompt:
        if request.prompt_tokens:  # the model's own token ids: checked, read as given
            tokens = self._known_tokens(request.prompt_tokens, "the prompt")
            prompt = llama_runtime.detokenize(self._require()._model.vocab, tokens, special=True).decode(
                "utf-8", errors="replace")
            lease.sequence(prompt)
        else:
            assert request.prompt is not None
            prompt = request.prompt
            tokens = self.tokenize_reusing_cache(prompt, lease.sequence(prompt))
        n_ctx = self._require().n_ctx()
        if len(tokens) + MIN_REPLY_TOKENS > n_ctx:
            raise ContextOverflowError(
                QT_TRANSLATE_NOOP("core", "The prompt needs {need:,} tokens and the context holds {ctx:,}; "
                                  "shorten it."),
                need=len(tokens), ctx=n_ctx,
            )
        return PreparedPrompt(prompt, tokens, (), 0, exact_text=not request.prompt_tokens)

    def _known_tokens(self, tokens: Sequence[int], what: str) -> list[int]:
        n_vocab = self._require().n_vocab()
        for token in tokens:
            if not 0 <= token < n_vocab:
                raise SettingsError(QT_TRANSLATE_NOOP(
                    "core", "{what} names token {token}, which this model does not have (its vocabulary has "
                    "{n:,} tokens)."), what=what, token=token, n=n_vocab)
        return list(tokens)

    def _bias(self, request: GenerationRequest) -> tuple[np.ndarray, np.ndarray] | None:
        """The logit bias a request asks for (OpenAI's), with the end tokens banned for `ignore_eos`."""
        if not request.logit_bias and not request.ignore_eos:
            return None
        import numpy as np

        ids = self._known_tokens([token for token, _ in request.logit_bias], "logit_bias")
        values = [value for _, value in request.logit_bias]
        if request.ignore_eos:
            eog = self._end_tokens().tolist()
            ids, values = ids + eog, values + [float("-inf")] * len(eog)
        return np.array(ids, dtype=np.int64), np.array(values, dtype=np.float32)

    def _call_watch(self, tools: ToolSet | None, template: ChatTemplate) -> CallWatch | None:
        if tools is None or not tools.active:
            return None
        from chatapp.core.runtime.tool_calls import CallWatch

        llm = self._require()
        watch = CallWatch(llm._model.vocab,
                          lambda text: llm.tokenize(text.encode("utf-8"), add_bos=False, special=True),
                          lambda tokens: llama_runtime.detokenize(llm._model.vocab, tokens, special=True).decode(
                              "utf-8", errors="replace"),
                          self.call_format(template), tools)
        watch.grammar(from_start=watch.forced).close()  # a schema the grammar cannot hold fails now, in one sentence
        return watch

    def _grammar_text(self, output: OutputFormat | None) -> str | None:
        """The format as GBNF, checked now (it parses with this vocabulary) so a bad one fails before the prompt."""
        if output is None:
            return None
        from chatapp.core.runtime.grammar import GrammarSampler, to_gbnf

        gbnf = to_gbnf(output)
        GrammarSampler(self._require()._model.vocab, gbnf).close()
        return gbnf

    def _generate(
        self, request: GenerationRequest, prepared: PreparedPrompt, template: ChatTemplate | None, seq: KvSequence,
        started: float, cancel: threading.Event | None, grammar: str | None, watch: CallWatch | None,
    ) -> Iterator[Event]:
        llm = self._require()
        params = request.sampling
        if cancel is None:
            cancel = self.cancel
            cancel.clear()
        n_ctx = llm.n_ctx()
        reused = seq.reusable(prepared.tokens)
        self._make_room(seq, len(prepared.tokens) + params.max_tokens)
        from chatapp.core.runtime.grammar import GrammarSampler
        from chatapp.core.runtime.sampler import NativeSampler

        constraint = GrammarSampler(llm._model.vocab, grammar) if grammar is not None else None
        if watch is not None:
            constraint = watch.first_grammar()
        sampler = NativeSampler(seq.n_vocab, params, params.seed if params.seed >= 0 else random.randrange(2**31),
                                constraint, constrained=watch is not None,
                                bias=self._bias(request), logprobs=request.logprobs, explain=request.explain)
        # Drafts are guessed from the prompt's tokens; an image's placeholders are not tokens to guess.
        drafter = self._drafter(prepared.tokens, request.speculation, seq) if prepared.vision is None else None
        counts = _DraftCounts()
        stops = template.stops if template is not None else ()
        if watch is not None and watch.fmt.end == "</tool_call>":  # a model never writes its tools' results
            stops = (*stops, "<tool_response>")
        text_filter = _StopStringFilter((*stops, *request.stops))
        # The thinking is told apart here, once: the prompt (with a continued reply's text) says whether
        # the reply starts inside a thinking block. Raw completions are text as it comes.
        thinking = _thinking_splitter(prepared) if template is not None else None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        generated = produced = 0
        generated_ids: list[int] = []
        first_at = last_at = 0.0
        reason = FinishReason.STOP
        lib = llama_runtime.llama()
        vocab = llm._model.vocab
        pieces = _Pieces(vocab)
        guard = (  # (parallel loads: the scheduler aborts a long prompt step itself)
            llama_runtime.PromptAbort(llm._ctx.ctx, cancel.is_set)
            if len(prepared.tokens) - reused > ABORTABLE_PROMPT_TOKENS and self.scheduler is None else None
        )
        calls: list[CallDelta] = []
        try:
            try:
                first = sampler.sample_logits(seq.read_prompt(
                    prepared.tokens, prepared.vision.spans if prepared.vision is not None else None))
            except RuntimeError as exc:
                if cancel.is_set() and "returned 2" in str(exc):
                    raise _PromptAborted from None
                raise
            finally:
                if guard is not None:
                    guard.release()
            for token in self._produce(seq, sampler, first, drafter, n_ctx, counts, params.max_tokens,
                                       None if seq.shared else self.batch_costs):
                produced += 1
                last_at = time.perf_counter()
                if generated == 0:
                    first_at = last_at
                if cancel.is_set():
                    reason = FinishReason.CANCELLED
                    break
                if lib.llama_vocab_is_eog(vocab, token):
                    break
                generated += 1
                generated_ids.append(token)
                if sampler.last is not None:
                    yield _token_logprob(pieces, sampler.last, sampler.last_choice, request.logprobs)
                text = decoder.decode(llama_runtime.detokenize(vocab, [token]))
                if watch is not None:
                    text = watch.feed(text, sampler, calls.append)
                    yield from calls
                    calls.clear()
                piece, hit_stop = text_filter.feed(text)
                if piece:
                    yield from _pieces(piece, thinking)
                if hit_stop:
                    break
                if cancel.is_set():
                    reason = FinishReason.CANCELLED
                    break
                if generated >= params.max_tokens:
                    reason = FinishReason.LENGTH
                    break
                if len(prepared.tokens) + generated >= n_ctx:
                    reason = FinishReason.CONTEXT_FULL
                    break
        except _PromptAborted:
            reason = FinishReason.CANCELLED  # the aborted decode emptied the cache; `seq` knows
        except RuntimeError as exc:
            if "returned 1" not in str(exc) or self.scheduler is None:
                raise
            # No free cells: the sequences running at once filled the context they share.
            raise ContextOverflowError(QT_TRANSLATE_NOOP(
                "core", "The context ({ctx:,} tokens) is full with the requests running at once; try again when "
                "they finish, or load the model with a larger context."), ctx=n_ctx) from None
        finally:
            sampler.close()
            if produced and seq.tokens:
                # A checked draft may have run past where the reply ended: keep exactly what the
                # reply evaluated (all but its last sampled token), as without speculation.
                seq.truncate(len(prepared.tokens) + produced - 1)
            if prepared.vision is None and prepared.exact_text:
                self._remember_cache(seq, prepared.text, prepared.tokens, generated_ids)
            else:  # placeholders (or token ids) are not text: the next prompt is tokenized whole (the KV cache
                seq.cached_text, seq.cached_tokens = "", []  # still matches)
            if prepared.vision is not None:
                prepared.vision.close()
        tail = decoder.decode(b"", final=True)
        tool_calls: tuple[ToolCall, ...] = ()
        if watch is not None:  # what the call parser still holds: the calls, or text that was not one
            tail = watch.feed(tail, sampler, calls.append) if tail else ""
            rest, tool_calls = watch.finish()
            tail += rest
            yield from calls
            if tool_calls and reason == FinishReason.STOP:
                reason = FinishReason.TOOL_CALLS
        tail = text_filter.flush() + tail
        if tail:
            yield from _pieces(tail, thinking)
        if thinking is not None:
            yield from _pieces("", thinking, final=True)
        yield Done(GenerationStats(
            prompt_tokens=len(prepared.tokens),
            prompt_tokens_evaluated=len(prepared.tokens) - reused,
            completion_tokens=generated,
            ttft_s=(first_at - started) if generated or first_at else time.perf_counter() - started,
            tokens_per_s=(generated - 1) / (last_at - first_at) if generated > 1 and last_at > first_at else 0.0,
            total_s=time.perf_counter() - started,
            context_used=len(seq.tokens),
            context_size=n_ctx,
            finish_reason=reason,
            dropped_messages=prepared.dropped_messages,
            template=template.name if template is not None else "none",
            draft_tokens=counts.drafted,
            accepted_tokens=counts.accepted,
        ), tool_calls, text_filter.hit if text_filter.hit in request.stops else "")

    @staticmethod
    def _produce(seq: KvSequence, sampler: NativeSampler, token: int, drafter: Drafter | None, n_ctx: int,
                 counts: _DraftCounts, max_tokens: int, costs: BatchCosts | None = None) -> Iterator[int]:
        """The reply's tokens, one by one, each sampled after the previous one was evaluated.

        With a drafter, the evaluation of one token carries a draft of the next ones; each position's
        logits are sampled in order and the run stops at the first token the sampler did not pick
        (which becomes the next token), so the tokens are those one-by-one decoding would give.
        With `costs` (and a drafter), each step's decode and first sample is timed into it: what a batch
        of that many rows costs here (a sample waits for the decode on every backend).
        """
        produced = 0
        timed = costs if drafter is not None else None
        while True:
            if drafter is not None:
                drafter.extend((token,))
            yield token
            produced += 1
            # Room: what the context holds, and what the reply may still say (a guess past its end is waste).
            room = min(n_ctx - len(seq.tokens) - 2, max_tokens - produced - 1)
            draft = drafter.propose(room) if drafter is not None else []
            began = time.perf_counter()
            if not draft:
                token = sampler.sample(seq.ctx, seq.decode([token]))
                if timed is not None:
                    timed.observe(1, time.perf_counter() - began)
                continue
            assert drafter is not None
            base = len(seq.tokens)
            row = seq.decode([token, *draft], all_logits=True)
            counts.drafted += len(draft)
            accepted = 0
            for i, guess in enumerate(draft):
                token = sampler.sample(seq.ctx, row + i)
                if i == 0 and timed is not None:
                    timed.observe(1 + len(draft), time.perf_counter() - began)
                if token != guess:
                    break
                accepted += 1
                counts.accepted += 1
                drafter.extend((token,))
                yield token
                produced += 1
            else:
                token = sampler.sample(seq.ctx, row + len(draft))  # every guess kept: the next one is free
            drafter.feedback(len(draft), accepted)
            seq.truncate(base + 1 + accepted)


def _pieces(text: str, thinking: ThinkingSplitter | None, final: bool = False) -> Iterator[Event]:
    """`text` as answer and thinking events (a raw completion's text is all answer)."""
    if thinking is None:
        if text:
            yield TextDelta(text)
        return
    thought, answer = thinking.flush() if final else thinking.feed(text)
    if thought:
        yield ThinkingDelta(thought)
    if answer:
        yield TextDelta(answer)


class _Pieces:
    """Each token's text and bytes as a log-probability event shows it, looked up once per reply."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab
        self.known: dict[int, tuple[str, bytes]] = {}

    def __call__(self, token: int) -> tuple[str, bytes]:
        found = self.known.get(token)
        if found is None:
            data = llama_runtime.detokenize(self.vocab, [token], special=True)
            found = self.known[token] = (data.decode("utf-8", errors="replace"), data)
        return found


def _token_logprob(piece: _Pieces, last: tuple[int, float, np.ndarray, np.ndarray], explained: tuple[Weighed, ...],
                   logprobs: int | None) -> TokenLogprob:
    """The event for one sampled token: the API's log-probabilities (the `logprobs` best alternatives) and,
    when explained, the candidates the window shows — one computation (the sampler's) for both."""
    token, logprob, top_ids, top_logprobs = last
    text, data = piece(token)
    shown = logprobs or 0
    top = tuple((*piece(int(t)), float(lp)) for t, lp in zip(top_ids[:shown], top_logprobs[:shown], strict=True))
    choices = tuple(Candidate(piece(w.token)[1], w.model_p, w.sampler_p, w.cut_by, w.token == token)
                    for w in explained)
    return TokenLogprob(text, data, logprob, top, choices)


def _thinking_splitter(prepared: PreparedPrompt) -> ThinkingSplitter:
    """The splitter for a reply to `prepared`: inside a thinking block if the prompt opened one, and
    past what a continued reply already wrote (given out before, so fed and dropped here)."""
    start = prepared.reply_start if prepared.reply_start >= 0 else len(prepared.text)
    splitter = ThinkingSplitter(prepared.text[:start].rstrip().endswith(THINKING_OPEN))
    splitter.feed(prepared.text[start:])
    return splitter


def _common_prefix(a: str, b: str) -> int:
    """How many leading characters `a` and `b` share."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    low, high = 0, n  # a[:low] == b[:low] and a[:high] != b[:high]
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if a[:mid] == b[:mid] else (low, mid)
    return low


@dataclass
class _DraftCounts:
    drafted: int = 0
    accepted: int = 0


class SequenceLease:
    """Which KV sequence one generation uses: the main one (the window's conversation, the terminal's),
    or one of a parallel load's pool, taken at the generation's first prompt (the free one whose cache
    holds most of it) and given back by `release`. Per request, so nothing of it lives on the engine."""

    def __init__(self, engine: Engine, pooled: bool) -> None:
        self._engine = engine
        self._pooled = pooled
        self._seq: KvSequence | None = None

    def sequence(self, prompt: str) -> KvSequence:
        if self._seq is None:
            if self._pooled:
                self._seq = self._engine._take(prompt)
            else:
                assert self._engine._seq is not None
                self._seq = self._engine._seq
        return self._seq

    def release(self) -> None:
        if self._pooled and self._seq is not None:
            self._engine._give_back(self._seq)
        self._seq = None
