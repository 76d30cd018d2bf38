"""The `chatapp` command end to end, as a user runs it: real process, real demo model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_chatapp(*args: str, stdin: str | None = None, timeout: float = 180,
                env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatapp", *args],
        input=stdin, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env_extra or {})},
    )


def test_version() -> None:
    from chatapp import __version__

    run = run_chatapp("--version")
    assert run.returncode == 0
    assert run.stdout.strip() == f"chatapp {__version__}"


def test_one_prompt_on_the_demo_model_with_stats() -> None:
    """The demo is an instruction-tuned model with its own chat template: it answers the question."""
    run = run_chatapp("chat", "--model", "demo", "--prompt", "What is the capital of France?",
                      "--max-tokens", "24", "--temperature", "0", "--stats")
    assert run.returncode == 0, run.stderr
    assert "Paris" in run.stdout
    stats = json.loads(run.stderr.strip().splitlines()[-1])
    for key in ("prompt_tokens", "completion_tokens", "ttft_s", "tokens_per_s", "context_used"):
        assert key in stats
    assert 0 < stats["completion_tokens"] <= 24
    assert stats["template"] == "auto"  # the model's own (ChatML) template


def test_a_base_model_gets_the_plain_template() -> None:
    from real_models import gemma_path

    run = run_chatapp("chat", "--model", str(gemma_path()), "--prompt", "The capital of France is",
                      "--max-tokens", "8", "--seed", "1", "--stats")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stderr.strip().splitlines()[-1])["template"] == "auto → plain"


def test_multi_turn_chat_from_stdin_reuses_the_cache(tiny_model: Path) -> None:
    run = run_chatapp("chat", "--model", str(tiny_model), "--max-tokens", "3", "--stats",
                      stdin="first message\n\nsecond message\n")
    assert run.returncode == 0, run.stderr
    assert run.stdout == " Hello world.\n Hello world.\n"
    first, second = (json.loads(line) for line in run.stderr.strip().splitlines())
    assert second["prompt_tokens"] > first["prompt_tokens"]
    assert second["prompt_tokens_evaluated"] == second["prompt_tokens"] - first["context_used"]


def test_show_prompt_prints_the_rendered_prompt(tiny_model: Path) -> None:
    run = run_chatapp("chat", "--model", str(tiny_model), "--template", "gemma", "--system", "Be kind.",
                      "--prompt", "Hi", "--show-prompt")
    assert run.returncode == 0, run.stderr
    assert run.stdout == "<s><start_of_turn>user\nBe kind.\n\nHi<end_of_turn>\n<start_of_turn>model\n"


def test_model_by_library_name(tiny_model: Path, isolated_dirs: Path) -> None:
    models = isolated_dirs / "data" / "models"
    models.mkdir(parents=True)
    (models / "my-model.gguf").write_bytes(tiny_model.read_bytes())
    for name in ("my-model", "my-model.gguf", "MY-MODEL"):
        run = run_chatapp("chat", "--model", name, "--prompt", "x", "--max-tokens", "2")
        assert (run.returncode, run.stdout) == (0, " Hello world\n"), run.stderr
    run = run_chatapp("chat", "--model", "nothing-like-it", "--prompt", "x")
    assert run.returncode == 1
    assert "No model named 'nothing-like-it'" in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--temperature", "3"], "temperature must be between 0 and 2"),
        (["--top-p", "1.5"], "top-p must be between 0 and 1"),
        (["--template", "nonsense"], "Unknown template 'nonsense'"),
        (["--ctx", "0"], "context size must be between"),
    ],
)
def test_bad_settings_give_one_line(tiny_model: Path, args: list[str], message: str) -> None:
    run = run_chatapp("chat", "--model", str(tiny_model), "--prompt", "x", *args)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [f"chatapp: {run.stderr.strip().removeprefix('chatapp: ')}"]
    assert message in run.stderr


def test_llama_cpp_log_goes_to_the_app_log_not_the_terminal(tiny_model: Path, isolated_dirs: Path) -> None:
    run = run_chatapp("chat", "--model", str(tiny_model), "--prompt", "x", "--max-tokens", "2")
    assert run.returncode == 0
    assert run.stderr == ""
    log = (isolated_dirs / "data" / "logs" / "chatapp.log").read_text()
    assert "llama_context" in log or "llama_model_loader" in log


def test_extra_model_folders(tiny_model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "far-away.gguf").write_bytes(tiny_model.read_bytes())
    run = run_chatapp("models", "--add-folder", str(folder))
    assert run.returncode == 0 and "far-away.gguf" in run.stdout and "llama" in run.stdout
    run = run_chatapp("chat", "--model", "far-away", "--prompt", "x", "--max-tokens", "2")
    assert run.stdout == " Hello world\n", run.stderr
    run = run_chatapp("models", "--remove-folder", str(folder))
    assert "far-away.gguf" not in run.stdout


def test_speculative_decoding_is_on_by_default_and_changes_nothing_but_speed(instruct_model: Path) -> None:
    """The same greedy words with and without speculation, up to a near-tie (tests/near_ties.py): a checked
    draft is one batch, which llama.cpp's CPU kernels do not compute bit for bit as single tokens."""
    from near_ties import agree_up_to_a_near_tie

    from chatapp.core.runtime.engine import Engine
    from chatapp.core.types import Message

    copy = ("Copy this sentence twice.\n\nThe keeper climbed the hundred and twelve steps every evening at dusk "
            "and trimmed the wick.\n\nThe keeper")
    greedy = ("--temperature", "0", "--repeat-penalty", "1", "--max-tokens", "48", "--stats", "--no-history")
    runs = {mode: run_chatapp("chat", "--model", "demo", "--prompt", copy, *greedy, *mode_args)
            for mode, mode_args in (("default", ()), ("off", ("--speculative", "off")))}
    for run in runs.values():
        assert run.returncode == 0, run.stderr
    engine = Engine()
    engine.load(instruct_model)
    prompt = engine.prepare([Message("user", copy)], 48).tokens
    agree_up_to_a_near_tie(engine, prompt, [runs[m].stdout.removesuffix("\n") for m in runs], 48)
    engine.unload()
    default, off = (json.loads(runs[m].stderr.strip().splitlines()[-1]) for m in ("default", "off"))
    assert default["accepted_tokens"] > 10 and off["draft_tokens"] == 0


def test_a_draft_model_that_does_not_fit_is_one_line(instruct_model: Path, gemma_model: Path) -> None:
    run = run_chatapp("chat", "--model", str(gemma_model), "--prompt", "x", "--speculative", "draft",
                      "--draft-model", str(instruct_model))
    assert run.returncode == 1
    assert run.stderr == (f"chatapp: {instruct_model.name} cannot draft for this model: their tokenizers are of "
                          "different kinds. Pick a smaller model of the same family (the same tokenizer), or turn "
                          "speculative decoding to automatic.\n")
    run = run_chatapp("chat", "--model", str(gemma_model), "--prompt", "x", "--draft-model", str(instruct_model))
    assert (run.returncode, run.stderr) == (1, "chatapp: --draft-model is used only with --speculative draft.\n")
