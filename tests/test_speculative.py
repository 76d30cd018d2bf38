"""Speculative decoding changes only speed: the tokens its sampler picks, the same stops, cancel and cache."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from near_ties import divergence, last_reply_tokens, one_by_one

from chatapp.core.errors import ModelFileError, SettingsError
from chatapp.core.runtime import templates
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.speculative import BATCH_GRANULE, BatchCosts, NgramDrafter, best_length
from chatapp.core.types import FinishReason, LoadOptions, Message, SamplingParams, Speculation

ON, OFF, DRAFT = Speculation("prompt-lookup"), Speculation("off"), Speculation("draft")
GREEDY = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=160)
QUOTE = (
    "The lighthouse keeper climbed the hundred and twelve steps every evening at dusk, trimmed the wick, "
    "polished the great lens until it shone, and wrote the weather in the logbook: wind, sea, visibility."
)


@pytest.fixture
def engines(gemma_model: Path) -> tuple[Engine, Engine]:
    """One engine with speculation and one without, each with its own KV cache, both starting empty.
    Greedy text agrees between them up to the first near-tie of one-by-one decoding (tests/near_ties.py)."""
    pair = (Engine(), Engine())
    for e in pair:
        e.load(gemma_model, LoadOptions(n_ctx=2048))
    yield pair
    for e in pair:
        e.unload()


COPY_PROMPT = f"Copy this sentence twice.\n\n{QUOTE}\n\n{QUOTE[:60]}"


@pytest.mark.parametrize("prompt", [COPY_PROMPT, "Once upon a time, in a village by the sea,"],
                         ids=["repeats-its-prompt", "free-text"])
def test_greedy_output_agrees_until_a_near_tie(engines: tuple[Engine, Engine], prompt: str) -> None:
    fast, plain = engines
    with_spec = fast.complete(prompt, GREEDY, speculation=ON)
    with_spec.text()
    n_prompt = with_spec.stats.prompt_tokens
    spec_tokens = last_reply_tokens(fast, n_prompt)
    without = plain.complete(prompt, GREEDY, speculation=OFF)
    without.text()
    assert without.stats.draft_tokens == 0
    plain_tokens = last_reply_tokens(plain, n_prompt)
    reference = one_by_one(plain, plain.tokenize(prompt), GREEDY.max_tokens)
    assert reference.tokens == plain_tokens  # what the engine decodes without speculation
    split = divergence(reference, spec_tokens)
    if split is None:
        assert with_spec.stats.context_used == without.stats.context_used  # the same tokens in the cache
    if "Copy" in prompt:
        assert with_spec.stats.accepted_tokens > 40  # the quote was guessed, not decoded one by one


def test_agrees_across_turns_with_kv_reuse(engines: tuple[Engine, Engine]) -> None:
    fast, plain = engines
    gemma = templates.preset("gemma")
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=32)
    history = [Message("user", f"Please repeat: {QUOTE}")]
    for turn in range(3):
        a = fast.chat(history, params, speculation=ON, template=gemma)
        b = plain.chat(history, params, speculation=OFF, template=gemma)
        text_a, text_b = a.text(), b.text()
        if text_a != text_b:  # allowed only at a near-tie; later turns would start from different text
            prompt_tokens = plain.tokenize(plain.prepare(history, params.max_tokens, template=gemma).text)
            spec_tokens = last_reply_tokens(fast, len(prompt_tokens))
            assert divergence(one_by_one(plain, prompt_tokens, params.max_tokens), spec_tokens) is not None
            break
        assert a.stats.prompt_tokens_evaluated == b.stats.prompt_tokens_evaluated, f"turn {turn}"  # cache reused alike
        history += [Message("assistant", text_a), Message("user", "Once more, the same words.")]


def test_a_stop_string_inside_a_drafted_run(engines: tuple[Engine, Engine]) -> None:
    fast, plain = engines
    full = fast.complete(COPY_PROMPT, GREEDY, speculation=ON).text()
    stop = full.split()[len(full.split()) // 2]  # a word well inside the drafted part
    cut = fast.complete(COPY_PROMPT, GREEDY, speculation=ON, stops=[stop])
    assert cut.text() == full[: full.index(stop)]
    assert cut.stats.finish_reason == FinishReason.STOP
    reference = plain.complete(COPY_PROMPT, GREEDY, speculation=OFF, stops=[stop])
    plain_cut = reference.text()
    assert reference.stats.finish_reason == FinishReason.STOP
    if plain_cut == cut.text():  # else they parted at a near-tie before the stop (test_greedy_output_...)
        assert cut.stats.context_used == reference.stats.context_used
    # what follows in the same engine is unaffected by where the draft had got to
    assert fast.complete(COPY_PROMPT, GREEDY, speculation=ON).text() == full


def test_cancel_inside_a_drafted_batch(tiny_model: Path) -> None:
    """The tiny model repeats " Hello world." forever: drafts of many tokens, all accepted."""
    results = []
    for speculation in (ON, OFF):
        e = Engine()
        e.load(tiny_model)
        cancel = threading.Event()
        stream = e.chat([Message("user", "hi")], SamplingParams(max_tokens=10_000), cancel=cancel,
                        speculation=speculation)
        pieces = []
        for piece in stream.texts():
            pieces.append(piece)
            if len(pieces) == 37:
                cancel.set()
        results.append((pieces, stream.stats))
        e.unload()
    (spec_pieces, spec), (plain_pieces, plain) = results
    assert spec.accepted_tokens > 20  # the cancel landed inside drafted runs
    assert spec_pieces == plain_pieces and len(spec_pieces) == 37
    assert spec.finish_reason == plain.finish_reason == FinishReason.CANCELLED
    assert spec.completion_tokens == plain.completion_tokens
    assert spec.context_used == plain.context_used


def test_the_context_limit_is_the_same(tiny_model: Path) -> None:
    stats = []
    for speculation in (ON, OFF):
        e = Engine()
        e.load(tiny_model, LoadOptions(n_ctx=256))
        stream = e.chat([Message("user", "hi")], SamplingParams(max_tokens=1000), speculation=speculation)
        text = stream.text()
        stats.append((text, stream.stats.finish_reason, stream.stats.context_used, stream.stats.completion_tokens))
        e.unload()
    assert stats[0] == stats[1]
    assert stats[0][1] == FinishReason.CONTEXT_FULL and stats[0][2] == 255


def test_sampling_with_a_seed_is_unchanged(tiny_eos_model: Path, tiny_model: Path) -> None:
    params = SamplingParams(temperature=1.0, seed=9, max_tokens=64)
    replies = []
    for speculation in (ON, OFF):
        e = Engine()
        e.load(tiny_model)
        replies.append(e.chat([Message("user", "hi")], params, speculation=speculation).text())
        e.unload()
    assert replies[0] == replies[1]


# Batch costs relative to one row measured on two CPUs (docs/benchmarks.md, "Speculation replayed").
DEAR = {1: 1.0, 4: 2.50, 8: 3.62, 16: 5.77, 32: 10.80, 48: 15.81, 64: 20.69}  # AMD EPYC without AVX-512
CHEAP = {1: 1.0, 4: 1.47, 8: 2.32, 16: 3.52, 32: 6.29, 48: 9.25, 64: 12.62}  # Intel Xeon with AMX


def test_drafts_come_from_the_latest_matching_ngram() -> None:
    d = NgramDrafter([1, 2, 3, 4, 5, 9, 9, 8, 7, 1, 2, 3], max_draft=11, costs=BatchCosts(CHEAP))
    # After "1 2 3" came "4 5 9 ...": drafts are whole groups of rows (1 + draft = 4, 8, …), from there.
    draft = d.propose(room=100)
    assert draft == [4, 5, 9, 9, 8, 7, 1, 2, 3, 4, 5][:len(draft)] and (len(draft) + 1) % BATCH_GRANULE == 0
    assert d.propose(room=2) == []  # never more than fits in the context, never a draft too short to pay
    assert NgramDrafter([5, 6, 7], max_draft=8).propose(room=100) == []  # nothing repeats: no draft


def test_a_machine_with_dear_batches_drafts_only_what_pays_there() -> None:
    """The same text, two machines. A two-token phrase seen once is right less than half the time: where
    a batch of 4 rows costs 1.5 tokens checking 3 guesses still pays, where it costs 2.5 it does not.
    And where 4 rows are dear but 8 barely dearer, a longer draft is the better buy. The replay over
    recorded replies (benchmarks/bench_spec_replay.py) agrees: given the Intel costs instead of the
    default (dear) ones, the drafter gained 11% on eight everyday prompts and 16% on the quoting chat."""
    phrase = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2, 3]  # "2 3" seen before
    assert NgramDrafter(phrase, max_draft=32, costs=BatchCosts(DEAR)).propose(room=100) == []
    assert NgramDrafter(phrase, max_draft=32, costs=BatchCosts(CHEAP)).propose(room=100) == [4, 5, 6]
    longer = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1, 2, 3]  # "1 2 3": right more often
    assert NgramDrafter(longer, max_draft=32, costs=BatchCosts(CHEAP)).propose(room=100) == [4, 5, 6]
    assert NgramDrafter(longer, max_draft=32, costs=BatchCosts(DEAR)).propose(room=100) == [4, 5, 6, 7, 8, 9, 10]
    # A passage being copied (nearly every guess right): twice the draft where rows are cheap.
    assert best_length(0.99, 0.99, 64, BatchCosts(CHEAP)) == 31 and best_length(0.99, 0.99, 64, BatchCosts(DEAR)) == 19
    assert best_length(0.2, 0.5, 32, BatchCosts(CHEAP)) == 0  # a guess this poor never pays


def test_drafting_stops_where_drafts_are_rejected_and_grows_where_they_are_kept() -> None:
    text = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3]
    wrong = NgramDrafter(text, max_draft=32, costs=BatchCosts(DEAR))
    assert wrong.propose(room=100)
    for _ in range(3):  # phrases of this length keep being wrong in this reply
        wrong.feedback(drafted=3, accepted=0)
    assert wrong.propose(room=100) == []
    right = NgramDrafter(text, max_draft=32, costs=BatchCosts(DEAR))
    first = len(right.propose(room=100))
    for _ in range(3):
        right.feedback(drafted=first, accepted=first)
    assert len(right.propose(room=100)) > first


def test_a_repeated_passage_is_drafted_long_at_once() -> None:
    passage = list(range(100, 160))
    text = [*passage, 7, *passage[:24]]  # the last 24 tokens repeat the passage's start: it is being copied
    d = NgramDrafter(text, max_draft=32, costs=BatchCosts(CHEAP))
    assert d.propose(room=100) == passage[24:55]  # 31 tokens (1 + 31 = 8 groups of 4), not the cautious 3
    assert d.propose(room=12) == passage[24:35]  # still no more than fits
    dear = NgramDrafter(text, max_draft=32, costs=BatchCosts(DEAR))
    assert dear.propose(room=100) == passage[24:43]  # fewer rows where they cost more, but still a run
    short = NgramDrafter([*passage, 7, *passage[:10]], max_draft=32, costs=BatchCosts(CHEAP))
    assert short.propose(room=100) == passage[10:25]  # a shorter match: likelier to end, a shorter draft


def test_a_loop_is_drafted_as_it_would_go_on() -> None:
    """A greedy small model often ends in a loop ("0000…", a line again and again): the latest match is
    then closer than the draft is long, and the draft goes on round the loop instead of stopping at
    the text's end (one token, too short to check)."""
    run = NgramDrafter([5, *[0] * 30], max_draft=32, costs=BatchCosts(CHEAP))
    assert run.propose(room=100) == [0] * 31  # a long match: drafted long
    cycle = NgramDrafter([9, 8, *[1, 2, 3] * 10], max_draft=32, costs=BatchCosts(CHEAP))
    assert cycle.propose(room=100) == ([1, 2, 3] * 11)[:31]
    assert cycle.propose(room=8) == [1, 2, 3, 1, 2, 3, 1]  # still no more than fits


def test_batch_costs_are_learnt_from_timings() -> None:
    costs = BatchCosts()
    assert costs.measured() == {} and costs(8) == pytest.approx(DEAR[8])  # before any: the dear default
    costs.observe(1, 0.010)
    costs.observe(8, 0.020)
    assert costs.measured() == {1: 1.0, 8: pytest.approx(2.0)}
    assert costs(16) == pytest.approx(2.0 * DEAR[16] / DEAR[8])  # unmeasured: the default's shape from 8
    costs.observe(8, 0.030)  # a running average, not the last timing
    assert 2.0 < costs(8) < 3.0


def test_a_reply_times_this_machines_batches(engines: tuple[Engine, Engine]) -> None:
    """The costs come from the reply's own decodes (no probe runs at load): after a reply that drafted,
    one-token steps and checked batches have been timed."""
    fast, _ = engines
    stream = fast.complete(COPY_PROMPT, GREEDY, speculation=ON)  # drafts: checked batches
    stream.text()
    assert stream.stats.draft_tokens > 0
    fast.complete("Once upon a time, in a village by the sea,", GREEDY, speculation=ON).text()  # one-token steps
    measured = fast.batch_costs.measured()
    assert measured[1] == 1.0 and any(rows > 1 and cost > 0 for rows, cost in measured.items())
    assert fast.batch_costs is fast._batch_costs[next(iter(fast._batch_costs))]  # kept for this model


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(SettingsError, match="speculative decoding must be one of off, prompt-lookup"):
        Speculation("turbo")


def test_a_draft_model_changes_nothing_but_speed(engines: tuple[Engine, Engine], gemma_model: Path) -> None:
    """The demo model drafting for itself (no smaller Gemma 3 is on PyPI): each draft is what the main
    model would say, so nearly all of it is kept, and the reply is the one decoding alone gives, up to
    the first near-tie (tests/near_ties.py)."""
    fast, plain = engines
    fast.set_speculation(DRAFT, gemma_model)
    drafted = fast.complete(COPY_PROMPT, GREEDY)  # the engine's own setting applies
    drafted_text = drafted.text()
    assert drafted.stats.accepted_tokens > drafted.stats.draft_tokens * 0.8 > 40
    prompt_tokens = plain.tokenize(COPY_PROMPT)
    reference = one_by_one(plain, prompt_tokens, GREEDY.max_tokens)
    if divergence(reference, last_reply_tokens(fast, len(prompt_tokens))) is not None:
        return
    # the next turn reuses the draft model's cache as the main model's: still the same reply
    more = COPY_PROMPT + drafted_text + f"\n\nAnd once more:\n\n{QUOTE[:40]}"
    again = fast.complete(more, GREEDY)
    again.text()
    more_tokens = last_reply_tokens(fast, again.stats.prompt_tokens)
    assert more_tokens  # a reply came
    divergence(one_by_one(plain, plain.tokenize(more), GREEDY.max_tokens), more_tokens)


@pytest.mark.parametrize(("draft", "reason"), [
    ("instruct_model", "their tokenizers are of different kinds"),  # SmolLM2's BPE against Gemma's SentencePiece
    ("tiny_model", "their beginning-of-text tokens differ"),  # a SentencePiece vocabulary, but not Gemma's
])
def test_a_draft_model_with_another_vocabulary_is_refused(
    gemma_model: Path, draft: str, reason: str, request: pytest.FixtureRequest
) -> None:
    draft_path: Path = request.getfixturevalue(draft)
    e = Engine()
    e.load(gemma_model, LoadOptions(n_ctx=512))
    with pytest.raises(ModelFileError) as refused:
        e.set_speculation(DRAFT, draft_path)
    message = str(refused.value)
    assert message.startswith(f"{draft_path.name} cannot draft for this model: {reason}")
    assert message.endswith(". Pick a smaller model of the same family (the same tokenizer), or turn speculative "
                            "decoding to automatic.")
    assert e.speculation.mode == "off" and e._draft_model is None  # nothing half-loaded stays behind
    still = e.complete("Hello", SamplingParams(max_tokens=4))
    assert still.text() and still.stats.completion_tokens > 0  # the main model still works
    with pytest.raises(SettingsError, match="needs a draft model: choose its file"):
        e.set_speculation(DRAFT)
    e.unload()


def test_a_tiny_draft_model_drafts_every_token(tiny_model: Path) -> None:
    e = Engine()
    e.load(tiny_model)
    params = SamplingParams(max_tokens=200)
    plain = e.chat([Message("user", "hi")], params, speculation=OFF).text()
    e.set_speculation(Speculation("draft", max_draft=15), tiny_model)
    stream = e.chat([Message("user", "hi")], params)
    assert stream.text() == plain == " Hello world." * 66 + " Hello world"
    assert stream.stats.accepted_tokens == stream.stats.draft_tokens > 150
    e.load(tiny_model)  # a new main model drops the draft model: set it again after loading
    assert e.speculation.mode == "off" and e._draft_model is None
    e.unload()
