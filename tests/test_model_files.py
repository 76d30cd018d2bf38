"""Each way a model file can be bad gets its own message, from the library and from the command line."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gguf import GGUFWriter

from chatapp.core.errors import ModelFileError
from chatapp.core.models import memory
from chatapp.core.models.gguf_info import read_header
from chatapp.core.runtime.engine import Engine


def _huge_header_model(path: Path) -> Path:
    """A valid GGUF whose header describes a model far larger than this machine's memory."""
    writer = GGUFWriter(str(path), "llama")
    writer.add_name("Giant")
    writer.add_context_length(131072)
    writer.add_embedding_length(16384)
    writer.add_block_count(4000)
    writer.add_head_count(128)
    writer.add_head_count_kv(128)
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _foreign_arch_model(path: Path) -> Path:
    writer = GGUFWriter(str(path), "quantum-llm")
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _make_case(case: str, tmp_path: Path, tiny_model: Path) -> Path:
    data = tiny_model.read_bytes()
    target = tmp_path / f"{case}.gguf"
    if case == "missing":
        return tmp_path / "no-such-model.gguf"
    if case == "directory":
        target.mkdir()
        return target
    if case == "not_gguf":
        target.write_bytes(b"PK\x03\x04" + b"\0" * 4096)  # a zip file with a .gguf name
    elif case == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif case == "truncated_header":
        target.write_bytes(data[:200])
    elif case == "version":
        target.write_bytes(data[:4] + struct.pack("<I", 1) + data[8:])
    elif case == "architecture":
        _foreign_arch_model(target)
    elif case == "memory":
        _huge_header_model(target)
    elif case == "empty":
        target.write_bytes(b"")
    return target


CASES = {
    "missing": "Model file not found",
    "directory": "is a folder, not a model file",
    "not_gguf": r"is not a GGUF model file \(it starts with b'PK",
    "truncated": r"is incomplete: expected 2,581,536 bytes but the file has 1,290,768",
    "truncated_header": "is incomplete: its header ends after 200 bytes",
    "version": "uses GGUF version 1, which chatapp cannot read",
    "architecture": "holds a 'quantum-llm' model, an architecture this version of llama.cpp does not support",
    "memory": "Not enough memory for memory.gguf",
    "empty": r"is empty \(0 bytes\)",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_engine_names_the_specific_problem(case: str, tmp_path: Path, tiny_model: Path) -> None:
    path = _make_case(case, tmp_path, tiny_model)
    with pytest.raises(ModelFileError, match=CASES[case]):
        Engine().load(path)


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_prints_one_line_and_exits_nonzero(case: str, tmp_path: Path, tiny_model: Path) -> None:
    path = _make_case(case, tmp_path, tiny_model)
    run = subprocess.run(
        [sys.executable, "-m", "chatapp", "chat", "--model", str(path), "--prompt", "hi"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    import re

    assert re.search(CASES[case], lines[0])


def test_header_of_the_real_demo_model(gemma_model: Path) -> None:
    h = read_header(gemma_model)
    assert (h.architecture, h.quantization, h.context_length) == ("gemma3", "Q4_K_M", 32768)
    assert h.expected_size == h.file_size
    assert 250e6 < h.parameter_count < 300e6
    assert h.chat_template is None


def test_default_context_is_capped_by_memory(tiny_model: Path) -> None:
    h = read_header(tiny_model)
    assert memory.default_context(h, available=64 * 1024**3) == 2048  # the model's own limit
    giant = read_header(_huge_header_model(tiny_model.parent / "giant.gguf"))
    assert memory.default_context(giant) == memory.MIN_CONTEXT
