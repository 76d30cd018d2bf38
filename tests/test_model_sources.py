"""Every model source — a Hugging Face mirror and ModelScope, beside Hugging Face itself (test_downloads.py)
— searched, listed and downloaded over real HTTP from local fakes, with the same faults: a dropped
connection (resumed), a corrupted file (rejected), a missing repo, a gated repo; and the user's
Hugging Face token sent to huggingface.co only."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_hub import FakeFile, FakeHub, FakeRepo, tiny_chat_files
from fake_modelscope import FakeModelScope
from test_cli import run_chatapp

from chatapp.core.errors import KnownError
from chatapp.core.models.downloads import download_model
from chatapp.core.models.library import scan_library
from chatapp.core.models.sources import (
    HUGGING_FACE,
    MODELSCOPE,
    ModelSource,
    client_for,
    configured_source,
    mirror,
    source_from,
)
from chatapp.core.runtime.engine import Engine

REPO = "acme/Tiny-Chat-GGUF"
Server = FakeHub | FakeModelScope


@pytest.fixture(params=["mirror", "modelscope"])
def served(request: pytest.FixtureRequest, mirror_hub: FakeHub, modelscope: FakeModelScope,
           tiny_model: Path) -> tuple[Server, ModelSource]:
    """The tiny chat repo on a mirror or on ModelScope, and the source that reaches it."""
    server: Server = mirror_hub if request.param == "mirror" else modelscope
    server.add_repo(FakeRepo(REPO, tiny_chat_files(tiny_model), downloads=1200, likes=7))
    source = mirror(mirror_hub.url) if request.param == "mirror" else MODELSCOPE
    return server, source


def _model(source: ModelSource, quant: str):
    return next(m for m in client_for(source).list_models(REPO) if m.quant == quant)


def test_sources_are_named_by_setting_flag_or_environment(mirror_hub: FakeHub) -> None:
    assert source_from("") == source_from("hf") == HUGGING_FACE
    assert source_from("modelscope") == MODELSCOPE
    assert source_from("mirror") == mirror("https://hf-mirror.com")
    assert source_from("mirror", "https://mirror.example.org/") == mirror("https://mirror.example.org")
    assert source_from(mirror_hub.url).endpoint == mirror_hub.url  # an address is a mirror at that address
    assert configured_source("modelscope", "", {"CHATAPP_MODEL_SOURCE": "hf"}) == HUGGING_FACE
    assert configured_source("modelscope", "", {}) == MODELSCOPE
    assert mirror().name == "hf-mirror.com" and MODELSCOPE.name == "ModelScope"
    assert HUGGING_FACE.sends_hf_token and not mirror().sends_hf_token and not MODELSCOPE.sends_hf_token
    for bad in ("ftp://mirror", "hf-mirror", "https://"):
        with pytest.raises(KnownError, match=r"not a mirror's address|Unknown model source"):
            source_from(bad)


def test_search_is_sorted_by_downloads(served: tuple[Server, ModelSource]) -> None:
    server, source = served
    server.add_repo(FakeRepo("other/tiny-chat-base-GGUF", {}, downloads=99_999, likes=1))
    results = client_for(source).search("tiny-chat")
    assert [r.repo_id for r in results] == ["other/tiny-chat-base-GGUF", REPO]
    assert (results[1].downloads, results[1].likes, results[1].last_modified.year) == (1200, 7, 2026)


def test_listing_has_quants_sizes_checksums_projector_and_split_parts(served: tuple[Server, ModelSource],
                                                                      tiny_model: Path) -> None:
    server, source = served
    models = client_for(source).list_models(REPO)
    assert sorted(m.quant for m in models) == ["IQ3_XS", "Q4_K_M", "Q8_0"]
    q4 = next(m for m in models if m.quant == "Q4_K_M")
    assert q4.source == source and q4.projector is not None and q4.projector.path == "mmproj-tiny-f16.gguf"
    assert q4.files[0].sha256 == server.repos[REPO].sha256("tiny-chat-Q4_K_M.gguf")
    assert q4.size == tiny_model.stat().st_size + 104
    split = next(m for m in models if m.quant == "IQ3_XS")
    assert split.is_split and split.files[0].path.startswith("split/")


def test_download_is_verified_lands_in_the_library_and_loads(served: tuple[Server, ModelSource], isolated_dirs: Path,
                                                             tiny_model: Path, hub: FakeHub) -> None:
    _, source = served
    models_dir = isolated_dirs / "models"
    path = download_model(_model(source, "Q4_K_M"), models_dir)
    assert path == models_dir / "acme" / "Tiny-Chat-GGUF" / "tiny-chat-Q4_K_M.gguf"
    assert path.read_bytes() == tiny_model.read_bytes()
    assert (path.parent / "mmproj-tiny-f16.gguf").exists()  # the projector came along, from the same source
    assert not list(path.parent.glob("*.part*"))
    assert not any("/resolve/" in p for _, p, _ in hub.requests)  # nothing went to Hugging Face
    assert [m.path for m in scan_library([models_dir]) if not m.problem] == [path]
    assert Engine().load(path).architecture == "llama"


def test_a_dropped_connection_resumes_where_it_stopped(served: tuple[Server, ModelSource], isolated_dirs: Path,
                                                       tiny_model: Path) -> None:
    server, source = served
    server.faults.drop_after, server.faults.drops_left = 1_500_000, 1
    path = download_model(_model(source, "Q4_K_M"), isolated_dirs / "models")
    assert path.read_bytes() == tiny_model.read_bytes()
    assert server.range_requests() == ["bytes=1048576-"]  # what arrived in whole chunks was kept


def test_a_corrupted_file_is_rejected_and_never_enters_the_library(served: tuple[Server, ModelSource],
                                                                   isolated_dirs: Path) -> None:
    server, source = served
    server.faults.corrupt_at = 12_345
    with pytest.raises(KnownError, match=r"arrived corrupted"):
        download_model(_model(source, "Q4_K_M"), isolated_dirs / "models")
    folder = isolated_dirs / "models" / "acme" / "Tiny-Chat-GGUF"
    assert not (folder / "tiny-chat-Q4_K_M.gguf").exists() and not list(folder.glob("*.part"))


def test_a_missing_repo_is_one_sentence(served: tuple[Server, ModelSource]) -> None:
    _, source = served
    with pytest.raises(KnownError, match=r"^Listing acme/Nothing-GGUF: no such repository on "):
        client_for(source).list_models("acme/Nothing-GGUF")


def test_an_unreachable_source_suggests_another(served: tuple[Server, ModelSource]) -> None:
    from local_ports import free_port

    _, source = served
    away = mirror(f"http://127.0.0.1:{free_port()}") if source.kind == "mirror" else ModelSource(
        "modelscope", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(KnownError, match=r"cannot be reached .* choose another model source in Settings"):
        client_for(away).search("tiny")


def test_gated_repos_say_what_to_do_and_a_mirror_never_gets_the_token(
        served: tuple[Server, ModelSource], monkeypatch: pytest.MonkeyPatch, isolated_dirs: Path) -> None:
    server, source = served
    server.repos[REPO].gated = True
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token")
    if source.kind == "mirror":
        model = _model(source, "Q4_K_M")  # the fake mirror lists a gated repo, and refuses its files
        with pytest.raises(KnownError, match=r"gated.*huggingface.co only, never to a mirror"):
            download_model(model, isolated_dirs / "models")
    else:
        with pytest.raises(KnownError, match=r"sign in and accept its terms.*MODELSCOPE_API_TOKEN"):
            client_for(source).list_models(REPO)
        monkeypatch.setenv("MODELSCOPE_API_TOKEN", "ms-token")
        server.requests.clear()
        download_model(_model(source, "Q4_K_M"), isolated_dirs / "models")
        assert all(h.get("authorization") == "Bearer ms-token" for _, p, h in server.requests if p.startswith("/api"))
    for _, _, headers in server.requests:
        assert "hf_secret_token" not in " ".join(headers.values())


def test_the_hf_token_goes_to_hugging_face_only(hub: FakeHub, mirror_hub: FakeHub, tiny_model: Path,
                                                monkeypatch: pytest.MonkeyPatch, isolated_dirs: Path) -> None:
    """The same gated repo on Hugging Face and on a mirror: Hugging Face gets the token (so this test could
    fail), the mirror never does, on any request."""
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token")
    for server in (hub, mirror_hub):
        server.add_repo(FakeRepo(REPO, {"tiny-chat-Q4_K_M.gguf": FakeFile(tiny_model.read_bytes())}))
    download_model(_model(HUGGING_FACE, "Q4_K_M"), isolated_dirs / "hf")
    download_model(_model(mirror(mirror_hub.url), "Q4_K_M"), isolated_dirs / "mirror")
    assert any(h.get("authorization") == "Bearer hf_secret_token" for _, _, h in hub.requests)
    assert mirror_hub.requests and not any("authorization" in h for _, _, h in mirror_hub.requests)


def test_a_file_the_source_gives_no_checksum_for_is_downloaded_and_said_unverified(
        modelscope: FakeModelScope, tiny_model: Path, isolated_dirs: Path) -> None:
    modelscope.add_repo(FakeRepo(REPO, {"tiny-chat-Q4_K_M.gguf": FakeFile(tiny_model.read_bytes())}))
    modelscope.unhashed.add("tiny-chat-Q4_K_M.gguf")
    said: list[str] = []
    path = download_model(_model(MODELSCOPE, "Q4_K_M"), isolated_dirs / "models", on_unverified=said.append)
    assert path.read_bytes() == tiny_model.read_bytes() and said == ["tiny-chat-Q4_K_M.gguf"]


def test_cli_searches_and_downloads_from_the_source_asked_for(modelscope: FakeModelScope, mirror_hub: FakeHub,
                                                              hub: FakeHub, tiny_model: Path) -> None:
    modelscope.add_repo(FakeRepo(REPO, tiny_chat_files(tiny_model), downloads=321))
    run = run_chatapp("search", "--source", "modelscope", "tiny")
    assert run.returncode == 0 and REPO in run.stdout and "321 downloads" in run.stdout, run.stderr
    run = run_chatapp("search", "tiny")  # Hugging Face (the fake hub) has nothing
    assert run.returncode == 0 and "No GGUF repositories on Hugging Face" in run.stdout
    run = run_chatapp("models", "--source", "modelscope")
    assert run.returncode == 0 and "Models now come from ModelScope" in run.stdout
    run = run_chatapp("download", REPO, "--quant", "Q4_K_M")  # the remembered source
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("acme/Tiny-Chat-GGUF/tiny-chat-Q4_K_M.gguf")
    assert any(p.startswith("/cdn/") for _, p, _ in modelscope.requests)
    run = run_chatapp("search", "tiny", env_extra={"CHATAPP_MODEL_SOURCE": mirror_hub.url})
    assert run.returncode == 0 and "No GGUF repositories on 127.0.0.1" in run.stdout
    run = run_chatapp("search", "--source", "nowhere", "tiny")
    assert run.returncode != 0 and "Unknown model source 'nowhere'" in run.stderr
