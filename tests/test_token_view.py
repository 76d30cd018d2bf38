"""How each token was chosen: the sampler's explanation against an independent recomputation.

The model's probabilities are recomputed from llama-cpp-python's own logits for the same context (a
second copy of the model loaded as the engine loads it, fed the prompt in one batch and then each
generated token alone, as the engine decodes: the same kernels, so the same logits), and the
sampler's steps (top-k, top-p, min-p, temperature) re-done in numpy as llama.cpp documents them: the
explanation must name exactly the tokens those steps cut, and give the probabilities the draw used."""

from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest
from llama_cpp import Llama

from chatapp.core.generation import GenerationRequest, TextDelta, TokenLogprob
from chatapp.core.models.library import demo_model_path
from chatapp.core.runtime.engine import Engine
from chatapp.core.storage.history import HistoryStore, StoredMessage
from chatapp.core.turns.record import HistoryRecord
from chatapp.core.turns.runner import run_turn
from chatapp.core.turns.turn import QuietSink, Turn
from chatapp.core.types import SamplingParams, Speculation

PROMPT = "The three primary colours are"
SETTINGS = SamplingParams(temperature=0.7, top_k=6, top_p=0.8, min_p=0.08, repeat_penalty=1.0, seed=11, max_tokens=6)


@pytest.fixture(scope="module")
def engine() -> Engine:
    engine = Engine()
    engine.load(demo_model_path())
    return engine


@pytest.fixture(scope="module")
def reference(engine: Engine) -> Llama:
    """Loaded through the engine's load hook (CHATAPP_CPU_REPACK and the AMX guard), as the engine is."""
    from chatapp.core.runtime import llama_runtime

    llm = engine._require()
    threads = llm.context_params.n_threads
    with llama_runtime.model_params_hook(None):
        return Llama(str(demo_model_path()), logits_all=True, verbose=False, n_ctx=llm.n_ctx(), flash_attn=True,
                     n_threads=threads, n_threads_batch=threads)


def _explained(engine: Engine, explain: int = 10) -> tuple[list[int], list[TokenLogprob]]:
    request = GenerationRequest(prompt=PROMPT, sampling=SETTINGS, explain=explain, speculation=Speculation("off"),
                                ignore_eos=True)
    events = [e for e in engine.generate(request) if isinstance(e, TokenLogprob)]
    return [_token_id(engine, e.data) for e in events], events


def _token_id(engine: Engine, data: bytes) -> int:
    ids = engine._require().tokenize(data, add_bos=False, special=True)
    assert len(ids) == 1, data
    return ids[0]


def _steps(logits: np.ndarray, s: SamplingParams) -> tuple[dict[int, float], dict[int, str]]:
    """What llama.cpp's top-k → top-p → min-p → temperature → dist do to these logits: the probability
    each kept token is drawn with, and the step that cut each other one."""
    order = np.argsort(logits)[::-1]
    cut: dict[int, str] = {int(t): "top-k" for t in order[s.top_k:]}
    kept = order[: s.top_k]
    p = np.exp(logits[kept] - logits[kept].max())
    p /= p.sum()
    last = int(np.argmax(np.cumsum(p) >= s.top_p))  # the first place the sum reaches top-p is kept
    cut |= {int(t): "top-p" for t in kept[last + 1:]}
    kept = kept[: last + 1]
    floor = logits[kept].max() + np.log(s.min_p)
    cut |= {int(t): "min-p" for t in kept if logits[t] < floor}
    kept = np.array([t for t in kept if logits[t] >= floor])
    drawn = np.exp((logits[kept] - logits[kept].max()) / s.temperature)
    return dict(zip(kept.tolist(), (drawn / drawn.sum()).tolist(), strict=True)), cut


def test_the_probabilities_and_the_cuts_are_the_models_and_the_settings(engine: Engine, reference: Llama) -> None:
    generated, events = _explained(engine)
    prompt = reference.tokenize(PROMPT.encode(), add_bos=True)
    reference.reset()
    reference.eval(prompt)
    for i, event in enumerate(events[:4]):
        if i:
            reference.eval([generated[i - 1]])
        logits = np.array(reference.scores[reference.n_tokens - 1], dtype=np.float64)
        model_p = np.exp(logits - logits.max())
        model_p /= model_p.sum()
        drawn_from, cut = _steps(logits, SETTINGS)
        shown = {_token_id(engine, c.data): c for c in event.choices}
        assert len(shown) >= 10 and sum(c.drawn for c in shown.values()) == 1
        assert shown[generated[i]].drawn
        for token, c in shown.items():
            assert c.model_p == pytest.approx(model_p[token], abs=0.01), (i, c)
            if token in drawn_from:
                assert c.cut_by == "" and c.sampler_p == pytest.approx(drawn_from[token], abs=0.01), (i, c)
            else:
                assert c.cut_by == cut[token] and c.sampler_p == 0.0, (i, c)
        # The likeliest tokens, best first, as the API's logprobs list them.
        best = [_token_id(engine, c.data) for c in event.choices[:10]]
        assert best == [int(t) for t in np.argsort(model_p)[::-1][:10]] or \
            sorted(model_p[best], reverse=True) == list(model_p[best])


def test_explaining_changes_nothing_the_model_writes(engine: Engine) -> None:
    def reply(explain: int) -> tuple[str, list[TokenLogprob]]:
        request = GenerationRequest(prompt=PROMPT, sampling=SETTINGS, explain=explain,
                                    speculation=Speculation("off"), ignore_eos=True)
        events = list(engine.generate(request))
        text = "".join(e.text for e in events if isinstance(e, TextDelta))
        return text, [e for e in events if isinstance(e, TokenLogprob)]

    explained, events = reply(10)
    plain, none = reply(0)
    assert plain == explained and len(events) == SETTINGS.max_tokens and none == []  # the same draw; off: nothing
    assert all(e.top == () for e in events)  # the API's alternatives only when logprobs asks for them


def test_a_reply_written_with_the_view_keeps_it_in_the_history(engine: Engine, store: HistoryStore) -> None:
    record = HistoryRecord(store)
    settings = SamplingParams(temperature=0.7, seed=5, max_tokens=8)
    turn = Turn((), settings, user_text="你好，请介绍一下你自己。", explain=10)
    outcome = run_turn(turn, engine, QuietSink(), record)
    kept = HistoryStore(store.path).token_view(outcome.reply.id)  # read back from the file
    assert kept is not None and len(kept) == outcome.stats.completion_tokens
    assert all(len(c) >= 10 and sum(x.drawn for x in c) == 1 for c in kept)
    assert b"".join(next(x.data for x in c if x.drawn) for c in kept).decode("utf-8", "replace").strip() \
        == outcome.text.strip()  # the drawn tokens are the reply (bytes of one character may span tokens)
    plain = run_turn(Turn((), settings, user_text="Hi"), engine, QuietSink(), record)
    assert store.token_view(plain.reply.id) is None  # off: nothing kept

    # an export carries it, and an import brings it back; one that cannot be read is left out, alone
    import json

    from chatapp.core.storage.history.exchange import export_json, import_json

    assert outcome.conversation is not None
    exported = json.loads(json.dumps(export_json(store, outcome.conversation.id)))
    assert outcome.reply is not None

    def explained(conv_id: str) -> StoredMessage:
        return next(m for m in store.tree(conv_id) if m.role == "assistant" and m.content == outcome.reply.content)

    copy = import_json(store, exported)
    assert store.token_view(explained(copy.id).id) == store.token_view(outcome.reply.id)
    (node,) = [n for n in exported["tree"] if "token_view" in n]
    node["token_view"] = base64.b64encode(zlib.compress(b"x" * (65 << 20))).decode()  # a zip bomb
    damaged = import_json(store, exported)
    assert store.token_view(explained(damaged.id).id) is None  # left out; the reply itself imported


def test_a_damaged_view_is_no_view() -> None:
    from chatapp.core.generation import Candidate
    from chatapp.core.storage.history import token_view

    tokens = [(Candidate("的".encode()[:2], 0.5, 0.75, "", True), Candidate(b" x", 0.12346, 0.0, "top-p"))]
    back = token_view.decode(token_view.encode(tokens))
    assert back == [(Candidate("的".encode()[:2], 0.5, 0.75, "", True), Candidate(b" x", 0.1235, 0.0, "top-p"))]
    for blob in (b"", b"not zlib", token_view.encode(tokens)[:-3]):
        assert token_view.decode(blob) is None


def test_a_token_only_the_output_format_allowed_is_explained_as_such(engine: Engine) -> None:
    """With a grammar that allows nothing the settings kept (here not even among the likeliest few
    hundred), the token is drawn from the whole vocabulary; the view still shows the settings' own
    verdicts on the model's likeliest tokens (as without the grammar: the same logits, seed and steps),
    and the drawn one as the output format's."""
    from chatapp.core.types import OutputFormat

    free = _explained(engine)[1][0].choices
    request = GenerationRequest(prompt=PROMPT, sampling=SETTINGS, explain=10, speculation=Speculation("off"),
                                output=OutputFormat("grammar", 'root ::= "qxz" [a-z]*'), ignore_eos=True)
    forced = next(e for e in engine.generate(request) if isinstance(e, TokenLogprob)).choices
    drawn = [c for c in forced if c.drawn]
    assert len(drawn) == 1 and drawn[0].cut_by == "grammar" and b"qxz".startswith(drawn[0].data.strip())
    assert [(c.data, c.model_p, c.sampler_p, c.cut_by) for c in forced if not c.drawn] == \
        [(c.data, c.model_p, c.sampler_p, c.cut_by) for c in free if c.data != drawn[0].data]
