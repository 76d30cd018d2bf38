"""A small model that drafts for a big one of the same family (speculative decoding's `draft` mode).

The draft model reads the same tokens as the main model, in its own llama context whose KV cache
keeps the longest common prefix across turns exactly like the main one (core/kv_sequence.py), and
proposes its greedy continuation. The main model checks the draft in one batch with the reply's own
sampler (core/engine.py), so the reply is the one the main model alone would give; a draft model only
pays off when it is several times faster than the main model and agrees with it often.

A draft is a list of token ids, so both models must spell every token the same way: checked at load
the way llama.cpp's own speculative decoding does (same tokenizer type and special tokens, vocabulary
sizes within 128, the same text for every token id from 5 on).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, ModelFileError, Phrase
from chatapp.core.models.gguf_info import read_header
from chatapp.core.runtime import llama_runtime
from chatapp.core.runtime.kv_sequence import KvSequence
from chatapp.core.runtime.speculative import AdaptiveLength, usable_length, whole_groups

if TYPE_CHECKING:
    from chatapp.core.runtime.batching import DecodeScheduler

log = logging.getLogger(__name__)

# As in llama.cpp's common/speculative.cpp: vocabularies may differ in size by a few padding/added
# tokens, and the first few ids (control tokens) may be spelled differently.
VOCAB_MAX_SIZE_DIFFERENCE = 128
VOCAB_CHECK_START_TOKEN_ID = 5


class DraftModel:
    """A loaded draft model and its KV cache. Decoded on the engine's owner thread only: a generation
    running beside others (core/runtime/batching.py) has its drafts made there by `scheduler`."""

    def __init__(self, path: str | Path, target: Any, n_threads: int, scheduler: DecodeScheduler | None = None) -> None:
        """Load `path` beside `target` (the main model's llama_cpp.Llama); raises ModelFileError with one
        sentence if the file cannot be loaded or cannot draft for the target."""
        self._scheduler = scheduler
        header = read_header(path)
        lib = llama_runtime.llama()
        mark = llama_runtime.mark_log()
        try:
            # Through the hook, as every model load: it applies CHATAPP_CPU_REPACK and the AMX guard. A
            # bare Llama() under CHATAPP_CPU_REPACK=0 on an AMX CPU took ggml's AMX buffer and crashed.
            with llama_runtime.model_params_hook(None):
                self._llm = lib.Llama(model_path=str(header.path), n_ctx=target.n_ctx(), n_threads=n_threads,
                                      n_threads_batch=n_threads, n_gpu_layers=0, flash_attn=True, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            reason = llama_runtime.last_error_since(mark) or str(exc)
            raise ModelFileError(QT_TRANSLATE_NOOP("core", "llama.cpp could not load the draft model {name}: {reason}"),
                                 name=header.path.name, reason=reason.strip()) from None
        self.path = Path(header.path).resolve()
        self.name = header.path.name
        problem = vocabulary_mismatch(target, self._llm)
        if problem is not None:
            self.close()
            raise ModelFileError(QT_TRANSLATE_NOOP("core", "{name} cannot draft for this model: {problem}. Pick a "
                                                   "smaller model of the same family (the same tokenizer), or turn "
                                                   "speculative decoding to automatic."),
                                 name=self.name, problem=problem)
        self._seq = KvSequence(self._llm)
        self._n_target_vocab = target.n_vocab()

    def close(self) -> None:
        self._llm.close()

    def drafter(self, tokens: Sequence[int], max_draft: int) -> ModelDrafter:
        return ModelDrafter(self, tokens, max_draft)

    def continue_greedily(self, tokens: Sequence[int], count: int) -> list[int]:
        """The draft model's `count` most likely next tokens after `tokens`, reusing its cache."""
        if self._scheduler is not None:
            return self._scheduler.run(lambda: self._continue(tokens, count))
        return self._continue(tokens, count)

    def _continue(self, tokens: Sequence[int], count: int) -> list[int]:
        seq = self._seq
        try:
            n = min(seq.common_prefix(tokens), len(tokens) - 1)
            seq.truncate(n)
            seq.decode(tokens[n:])
            lib = llama_runtime.llama()
            draft: list[int] = []
            for _ in range(count):
                logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(seq.ctx, -1), shape=(seq.n_vocab,))
                token = int(np.argmax(logits))
                if token >= self._n_target_vocab:  # a padding id the main model does not have
                    break
                draft.append(token)
                if len(draft) < count:
                    seq.decode([token])
            return draft
        except RuntimeError as exc:  # the context is full or llama.cpp failed: no draft, the reply goes on
            log.warning("draft model: %s", exc)
            seq.clear()
            return []


class ModelDrafter(AdaptiveLength):
    """Drafts for one reply: the text so far, continued by the draft model."""

    def __init__(self, model: DraftModel, tokens: Sequence[int], max_draft: int) -> None:
        super().__init__(max_draft)
        self._model = model
        self.tokens = list(tokens)

    def extend(self, tokens: Sequence[int]) -> None:
        self.tokens.extend(tokens)

    def propose(self, room: int) -> list[int]:
        if self.paused():
            return []
        count = usable_length(min(self.length, room))
        return whole_groups(self._model.continue_greedily(self.tokens, count)) if count else []


def vocabulary_mismatch(target: Any, draft: Any) -> Phrase | None:
    """Why `draft`'s token ids would mean other text to `target` (None when they would not)."""
    lib = llama_runtime.llama()
    tv, dv = target._model.vocab, draft._model.vocab
    if lib.llama_vocab_type(tv) != lib.llama_vocab_type(dv):
        return Phrase(QT_TRANSLATE_NOOP("core", "their tokenizers are of different kinds"))
    if lib.llama_vocab_bos(tv) != lib.llama_vocab_bos(dv):
        return Phrase(QT_TRANSLATE_NOOP("core", "their beginning-of-text tokens differ"))
    if lib.llama_vocab_eos(tv) != lib.llama_vocab_eos(dv):
        return Phrase(QT_TRANSLATE_NOOP("core", "their end-of-text tokens differ"))
    n_target, n_draft = lib.llama_vocab_n_tokens(tv), lib.llama_vocab_n_tokens(dv)
    if abs(n_target - n_draft) > VOCAB_MAX_SIZE_DIFFERENCE:
        return Phrase(QT_TRANSLATE_NOOP("core", "their vocabularies differ ({draft:,} tokens against {target:,})"),
                      draft=n_draft, target=n_target)
    for token in range(VOCAB_CHECK_START_TOKEN_ID, min(n_target, n_draft)):
        if lib.llama_vocab_get_text(tv, token) != lib.llama_vocab_get_text(dv, token):
            return Phrase(QT_TRANSLATE_NOOP("core", "token {token} is spelled differently"), token=token)
    return None
