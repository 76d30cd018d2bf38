"""Engine speed against llama.cpp itself, in one run, same model, threads and sampler.

(a) raw decode: llama-cpp-python's low-level API (llama_decode + the same sampler chain), no Python
    beyond the loop; (b) the engine's streamed tokens/s (tokenizer, sampler, detokenizer, stop filter,
    generator); (c) time to first token at turn 2 and turn 20 of a growing conversation, and at turn 20
    with a cold engine that must read the whole history.

    python benchmarks/bench_engine.py [--model PATH] [--threads N] [--tokens N] [--rounds N] [--write]

`--write` replaces the engine section of docs/benchmarks.md with this run's table.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import cpu_name, markdown_table, publish, reference_model  # noqa: E402

from chatapp.core.runtime import llama_runtime, templates  # noqa: E402
from chatapp.core.runtime.engine import Engine  # noqa: E402
from chatapp.core.types import LoadOptions, Message, SamplingParams  # noqa: E402

PROMPT = "The history of the city of Rome begins"
PARAMS = SamplingParams(temperature=0.7, top_p=0.95, top_k=40, min_p=0.05, repeat_penalty=1.1, seed=7)
N_CTX = 4096
USER_TURN = (
    "Tell me one more short fact about the history of Rome, turn {i}, in a sentence or two, "
    "and mention a year if you know one."
)


def raw_decode_tokens_per_s(model: Path, threads: int, n_tokens: int) -> float:
    """Decode `n_tokens` after the prompt with llama.cpp's C API only; tokens per second after the first."""
    lib = llama_runtime.llama()
    mparams = llama_runtime.default_model_params()  # the same model params the engine uses (AMX guard)
    mparams.n_gpu_layers = 0
    llama_model = lib.llama_model_load_from_file(str(model).encode(), mparams)
    cparams = lib.llama_context_default_params()
    cparams.n_ctx = N_CTX
    cparams.n_threads = cparams.n_threads_batch = threads
    ctx = lib.llama_init_from_model(llama_model, cparams)
    vocab = lib.llama_model_get_vocab(llama_model)
    text = PROMPT.encode()
    buf = (lib.llama_token * 256)()
    n = lib.llama_tokenize(vocab, text, len(text), buf, 256, True, True)

    chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
    for sampler in (
        lib.llama_sampler_init_penalties(lib.llama_vocab_n_tokens(vocab), 64, PARAMS.repeat_penalty, 0.0, 0.0),
        lib.llama_sampler_init_top_k(PARAMS.top_k),
        lib.llama_sampler_init_typical(1.0, 1),
        lib.llama_sampler_init_top_p(PARAMS.top_p, 1),
        lib.llama_sampler_init_min_p(PARAMS.min_p, 1),
        lib.llama_sampler_init_temp(PARAMS.temperature),
        lib.llama_sampler_init_dist(PARAMS.seed),
    ):
        lib.llama_sampler_chain_add(chain, sampler)

    lib.llama_decode(ctx, lib.llama_batch_get_one(buf, n))
    token = (lib.llama_token * 1)()
    first = 0.0
    for i in range(n_tokens):
        token[0] = lib.llama_sampler_sample(chain, ctx, -1)
        if i == 0:
            first = time.perf_counter()
        if lib.llama_decode(ctx, lib.llama_batch_get_one(token, 1)) != 0:
            raise RuntimeError("llama_decode failed")
    elapsed = time.perf_counter() - first
    lib.llama_sampler_free(chain)
    lib.llama_free(ctx)
    lib.llama_model_free(llama_model)
    return (n_tokens - 1) / elapsed


def engine_tokens_per_s(engine: Engine, n_tokens: int) -> tuple[float, int]:
    """Streamed tokens/s on the same prompt; base models can end early, so the count is reported too."""
    stream = engine.complete(PROMPT, SamplingParams(**{**PARAMS.to_dict(), "max_tokens": n_tokens}))
    for _ in stream:
        pass
    assert stream.stats is not None
    return stream.stats.tokens_per_s, stream.stats.completion_tokens


def conversation_ttft(model: Path, threads: int) -> dict[str, float]:
    """TTFT at turns 2 and 20 of one growing conversation, and turn 20 again on a cold engine."""
    engine = Engine()
    engine.load(model, LoadOptions(n_ctx=N_CTX, n_threads=threads, n_gpu_layers=0))
    gemma = templates.preset("gemma")
    params = SamplingParams(**{**PARAMS.to_dict(), "max_tokens": 48})
    history: list[Message] = [Message("system", "You are a concise historian.")]
    ttft: dict[str, float] = {}
    for turn in range(1, 21):
        history.append(Message("user", USER_TURN.format(i=turn)))
        stream = engine.chat(history, params, template=gemma)
        reply = stream.text()
        assert stream.stats is not None
        if turn in (2, 20):
            ttft[f"turn{turn}"] = stream.stats.ttft_s
            ttft[f"turn{turn}_evaluated"] = stream.stats.prompt_tokens_evaluated
            ttft[f"turn{turn}_prompt"] = stream.stats.prompt_tokens
        if turn < 20:
            history.append(Message("assistant", reply))
    engine.unload()

    cold = Engine()
    cold.load(model, LoadOptions(n_ctx=N_CTX, n_threads=threads, n_gpu_layers=0))
    stream = cold.chat(history, params, template=gemma)
    stream.text()
    assert stream.stats is not None
    ttft["cold20"] = stream.stats.ttft_s
    ttft["cold20_evaluated"] = stream.stats.prompt_tokens_evaluated
    cold.unload()
    return ttft


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="GGUF file (default: the demo model)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    model = args.model or reference_model()

    engine = Engine()
    engine.load(model, LoadOptions(n_ctx=N_CTX, n_threads=args.threads, n_gpu_layers=0))
    raw, eng, counts = [], [], []
    for _ in range(args.rounds):  # interleaved, so machine noise hits both alike
        raw.append(raw_decode_tokens_per_s(model, args.threads, args.tokens))
        rate, count = engine_tokens_per_s(engine, args.tokens)
        eng.append(rate)
        counts.append(count)
    engine.unload()
    ttft = conversation_ttft(model, args.threads)

    raw_med, eng_med = statistics.median(raw), statistics.median(eng)
    rows = [
        ("raw llama.cpp decode (low-level API)", f"{raw_med:.1f} tok/s", "1.00"),
        ("engine streamed (Engine.complete)", f"{eng_med:.1f} tok/s", f"{eng_med / raw_med:.3f}"),
        (f"TTFT turn 2 ({ttft['turn2_evaluated']:.0f} of {ttft['turn2_prompt']:.0f} prompt tokens evaluated)",
         f"{ttft['turn2'] * 1000:.0f} ms", "1.00"),
        (f"TTFT turn 20 ({ttft['turn20_evaluated']:.0f} of {ttft['turn20_prompt']:.0f} evaluated)",
         f"{ttft['turn20'] * 1000:.0f} ms", f"{ttft['turn20'] / ttft['turn2']:.2f} × turn 2"),
        (f"TTFT turn 20, cold engine ({ttft['cold20_evaluated']:.0f} evaluated)",
         f"{ttft['cold20'] * 1000:.0f} ms", f"warm/cold = {ttft['turn20'] / ttft['cold20']:.3f}"),
    ]
    header = (
        f"Model `{model.name}`, {args.threads} threads, CPU, n_ctx {N_CTX}, sampler temp {PARAMS.temperature} "
        f"top-k {PARAMS.top_k} top-p {PARAMS.top_p} min-p {PARAMS.min_p} repeat {PARAMS.repeat_penalty} "
        f"seed {PARAMS.seed}; {args.tokens} tokens × {args.rounds} interleaved rounds (medians; engine runs "
        f"generated {min(counts)}–{max(counts)} tokens); conversation: gemma template, 48-token replies; "
        f"CPU {cpu_name()}, llama.cpp extra weight buffers in use: "
        f"{', '.join(llama_runtime.extra_buffer_types()) or 'none'} (AMX on this build: "
        f"{'yes, its buffer dropped' if llama_runtime.build_has_amx() else 'no'}); "
        f"llama-cpp-python {llama_runtime.llama().__version__}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}."
    )
    publish("Engine", header, markdown_table(("measurement", "value", "ratio"), rows), args.write)
    print(f"raw rounds: {[round(x, 1) for x in raw]}  engine rounds: {[round(x, 1) for x in eng]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
