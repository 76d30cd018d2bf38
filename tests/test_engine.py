"""The engine on real GGUF files through the real llama.cpp: streaming, cancel, KV reuse, context policy."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tiny_gguf import write_tiny_model

from chatapp.core.errors import ContextOverflowError, EngineStateError, SettingsError
from chatapp.core.runtime import templates
from chatapp.core.runtime.engine import Engine
from chatapp.core.types import ChatTemplate, FinishReason, LoadOptions, Message, SamplingParams, Speculation


@pytest.fixture
def engine(tiny_model: Path) -> Engine:
    e = Engine()
    e.load(tiny_model, LoadOptions(n_threads=2))
    yield e
    e.unload()


def test_streams_the_models_text_in_pieces(engine: Engine) -> None:
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=6))
    events = list(stream)
    assert [e.text for e in events[:-1]] == [" Hello", " world", ".", " Hello", " world", "."]
    assert events[-1] is stream.done and stream.done.tool_calls == () and stream.done.stop == ""
    s = stream.stats
    assert s is not None
    assert (s.completion_tokens, s.finish_reason) == (6, FinishReason.LENGTH)
    assert s.prompt_tokens == s.prompt_tokens_evaluated > 0
    assert s.context_used == s.prompt_tokens + 5  # the last sampled token is not evaluated
    assert s.ttft_s > 0 and s.tokens_per_s > 0


def test_end_of_turn_and_multibyte_characters(tiny_eos_model: Path) -> None:
    e = Engine()
    e.load(tiny_eos_model)
    stream = e.chat([Message("user", "hi")], SamplingParams(max_tokens=50))
    assert stream.text() == " Helloé!"  # é arrives as two byte tokens and is never shown half-done
    assert stream.stats.finish_reason == FinishReason.STOP
    assert stream.stats.completion_tokens == 4


def test_stop_string_ends_the_reply_and_is_not_shown(engine: Engine) -> None:
    # custom() takes stops from known end markers; give this template " world" as a stop directly:
    template = ChatTemplate("t", "{% for m in messages %}{{ m.content }}{% endfor %} world.", (" world",))
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=20), template=template)
    assert stream.text() == " Hello"
    assert stream.stats.finish_reason == FinishReason.STOP
    assert stream.done.stop == ""  # the template's own stop: the reply simply ended
    asked = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=20), stops=(" wor", "."))
    assert asked.text() == " Hello" and asked.done.stop == " wor"  # the request's stop that fired, as Anthropic's
    # API reports it


def test_cancel_stops_within_one_token(engine: Engine) -> None:
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=10_000))
    received = []
    for piece in stream.texts():
        received.append(piece)
        if len(received) == 5:
            engine.cancel.set()
    assert len(received) == 5
    assert stream.stats.finish_reason == FinishReason.CANCELLED
    assert stream.stats.completion_tokens == 5


def test_cancel_from_another_thread(engine: Engine) -> None:
    stream = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=1_000_000))
    received = 0
    at_cancel: list[int] = []
    started = threading.Event()

    def canceller() -> None:
        started.wait()
        at_cancel.append(received)
        engine.cancel.set()

    t = threading.Thread(target=canceller)
    t.start()
    for _ in stream.texts():
        received += 1
        if received == 100:
            started.set()
            t.join()
    assert stream.stats.finish_reason == FinishReason.CANCELLED
    assert received - at_cancel[0] <= 1


def test_next_turn_reuses_the_kv_cache(engine: Engine) -> None:
    history = [Message("system", "Be brief."), Message("user", "hi")]
    first = engine.chat(history, SamplingParams(max_tokens=8))
    reply = first.text()
    cached = first.stats.context_used
    history += [Message("assistant", reply), Message("user", "again")]
    second = engine.chat(history, SamplingParams(max_tokens=8))
    second.text()
    s = second.stats
    assert cached == first.stats.prompt_tokens + 7  # prompt and reply (but its last token) in the cache
    assert s.prompt_tokens_evaluated == s.prompt_tokens - cached  # everything cached was reused


def test_old_turns_are_dropped_to_fit_but_system_and_new_message_stay(tiny_model: Path) -> None:
    e = Engine()
    e.load(tiny_model, LoadOptions(n_ctx=256))
    chatml = templates.preset("chatml")
    history = [Message("system", "SYS")]
    for i in range(12):
        history += [Message("user", f"question {i}"), Message("assistant", "answer " * 3)]
    history.append(Message("user", "the newest question"))
    prepared = e.prepare(history, max_tokens=32, template=chatml)
    assert prepared.dropped_messages > 0
    assert prepared.messages[0] == Message("system", "SYS")
    assert prepared.messages[1].role == "user"
    assert prepared.messages[-1] == Message("user", "the newest question")
    assert len(prepared.tokens) <= 256 - 32
    stream = e.chat(history, SamplingParams(max_tokens=32), template=chatml)
    stream.text()
    assert stream.stats.dropped_messages == prepared.dropped_messages


def test_a_message_longer_than_the_context_is_refused_clearly(tiny_model: Path) -> None:
    e = Engine()
    e.load(tiny_model, LoadOptions(n_ctx=256))  # llama.cpp's smallest context
    with pytest.raises(ContextOverflowError, match=r"too long for this model's context.*holds 256"):
        e.chat([Message("user", "x" * 400)])


def test_reply_stops_when_the_context_is_full(tiny_model: Path) -> None:
    e = Engine()
    e.load(tiny_model, LoadOptions(n_ctx=256))
    stream = e.chat([Message("user", "hi")], SamplingParams(max_tokens=1000))
    stream.text()
    assert stream.stats.finish_reason == FinishReason.CONTEXT_FULL
    assert stream.stats.context_used == 255


def test_generation_needs_a_model() -> None:
    with pytest.raises(EngineStateError, match="No model is loaded"):
        Engine().chat([Message("user", "hi")])


def test_load_progress_is_reported_and_can_abort(tiny_model: Path) -> None:
    seen: list[float] = []
    Engine().load(tiny_model, progress=lambda p: seen.append(p) or True)
    assert seen and seen[-1] == pytest.approx(1.0)
    from chatapp.core.errors import ModelFileError

    with pytest.raises(ModelFileError, match="cancelled"):
        Engine().load(tiny_model, progress=lambda p: False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("temperature", 2.5, "temperature must be between 0 and 2"),
        ("top_p", -0.1, "top-p must be between 0 and 1"),
        ("top_k", 1.5, "top-k must be a whole number"),
        ("min_p", 1.1, "min-p must be between 0 and 1"),
        ("repeat_penalty", 0.0, "repeat penalty must be between 0.5 and 2"),
        ("seed", -2, "seed must be between -1"),
        ("max_tokens", 0, "max tokens must be between 1"),
        ("temperature", float("nan"), "temperature must be between"),
    ],
)
def test_sampling_settings_are_validated(field: str, value: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        SamplingParams(**{field: value})


def test_a_fixed_seed_gives_the_same_reply_cached_or_not(gemma_model: Path) -> None:
    """Regenerate at temperature 1 with a seed: the same reply whether the prompt is read afresh or
    was already in the KV cache (kernels for a one-token batch differ from the prompt's batch on some
    CPUs, so the engine must not re-evaluate a cached prompt to get its logits)."""
    params = SamplingParams(temperature=1.0, seed=42, max_tokens=24)
    history = [Message("user", "The sea is")]
    first = Engine()
    first.load(gemma_model, LoadOptions(n_ctx=1024))
    uncached = first.chat(history, params)
    a = uncached.text()
    regenerated = first.chat(history, params)
    b = regenerated.text()
    assert regenerated.stats.prompt_tokens_evaluated == 0  # the cache was used...
    assert len(a) > 10 and b == a  # ...and changed nothing

    # A second turn, then regenerating it: the longer prompt is cached too.
    history += [Message("assistant", a), Message("user", "And the sky?")]
    second_turn = first.chat(history, params).text()
    assert first.chat(history, params).text() == second_turn

    fresh = Engine()  # nothing cached at all
    fresh.load(gemma_model, LoadOptions(n_ctx=1024))
    assert fresh.chat(history[:1], params).text() == a
    other_seed = fresh.chat(history[:1], SamplingParams(temperature=1.0, seed=7, max_tokens=24)).text()
    assert other_seed != a  # the seed is what fixes the reply
    first.unload()
    fresh.unload()


def test_cancel_stops_the_reading_of_a_long_prompt(tiny_long_model: Path) -> None:
    e = Engine()
    e.load(tiny_long_model, LoadOptions(n_ctx=8192))
    first = e.chat([Message("user", "short")], SamplingParams(max_tokens=4))
    first.text()
    cancel = threading.Event()
    cancel.set()  # pressed before llama.cpp got far: it stops between graph nodes
    long_prompt = [Message("user", "word " * 1000)]  # ~5,000 byte tokens
    stopped = e.chat(long_prompt, SamplingParams(max_tokens=4), cancel=cancel)
    assert stopped.text() == ""
    assert stopped.stats.finish_reason == FinishReason.CANCELLED
    again = e.chat([Message("user", "short")], SamplingParams(max_tokens=4))
    assert again.text() == " Hello world. Hello"
    # the aborted decode emptied llama.cpp's cache, so nothing may be "reused" from it
    assert again.stats.prompt_tokens_evaluated == again.stats.prompt_tokens


def test_a_cancel_from_another_thread_stops_a_long_prompt_midway() -> None:
    """The abort check ggml makes between graph nodes is C reading a flag (no Python, no GIL: a Python
    callback there slowed prompts 16% in the server); a watcher thread sets the flag when the cancel
    comes, here while the demo model is some seconds into a ~3,000-token prompt."""
    from chatapp.core.models.library import demo_model_path
    from chatapp.core.runtime import llama_runtime

    assert llama_runtime._strlen_address() is not None  # the C check here, not the Python fallback
    e = Engine()
    e.load(demo_model_path(), LoadOptions(n_ctx=4096))
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    stopped = e.chat([Message("user", "Count the words: " + "alpha beta gamma delta " * 700)],
                     SamplingParams(max_tokens=4), cancel=cancel)
    assert stopped.text() == "" and stopped.stats.finish_reason == FinishReason.CANCELLED
    timer.join()
    again = e.chat([Message("user", "Count the words: alpha")], SamplingParams(max_tokens=2))
    again.text()
    # The decode was aborted (it empties llama.cpp's cache for the sequence): nothing of it is reused.
    assert again.stats.prompt_tokens_evaluated == again.stats.prompt_tokens
    e.unload()


def test_a_token_longer_than_32_bytes_is_not_lost(tmp_path: Path) -> None:
    """llama-cpp-python's detokenize drops any piece over 32 bytes (code indentation, long words); the
    engine's own reads every byte. SmolLM2's longest token is 162 bytes."""
    long_token = "▁" * 40 + "indented"
    model = write_tiny_model(tmp_path / "long-token.gguf", script=("▁Hello", long_token, "</s>"))
    engine = Engine()
    engine.load(model)
    reply = engine.chat([Message("user", "hi")], SamplingParams(max_tokens=10)).text()
    engine.unload()
    assert reply == " Hello" + " " * 40 + "indented"


def test_ignore_eos_never_samples_the_end_and_runs_to_the_limit(tiny_eos_model: Path) -> None:
    """llama.cpp's `ignore_eos` (benchmarks ask for replies of an exact length): the end-of-generation
    tokens are never sampled, on the plain path and the speculative one alike."""
    e = Engine()
    e.load(tiny_eos_model)
    for speculation in (Speculation("off"), Speculation("prompt-lookup")):
        stream = e.chat([Message("user", "hi")], SamplingParams(max_tokens=12), ignore_eos=True,
                        speculation=speculation)
        assert stream.text().startswith(" Helloé!")
        assert (stream.stats.completion_tokens, stream.stats.finish_reason) == (12, FinishReason.LENGTH)
    ended = e.chat([Message("user", "hi")], SamplingParams(max_tokens=12))
    assert ended.text() == " Helloé!" and ended.stats.finish_reason == FinishReason.STOP
    e.unload()
