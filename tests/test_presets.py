"""Presets: chatapp's own files, LM Studio's (0.3 `operation.fields` and 0.2 `inference_params`, written
here as LM Studio writes them), the built-in ones, the store, and `chatapp chat --preset`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import run_chatapp

from chatapp.core.chat_settings import ChatSettings, resolve
from chatapp.core.presets import PresetError, PresetStore, builtin_presets, export_preset, find_preset, import_preset

BUILT_IN = Path(__file__).resolve().parent.parent / "resources" / "presets.json"

# As LM Studio 0.3 saves one (its schema: checkbox values for top-p, min-p, repeat penalty, max tokens, seed).
LMSTUDIO_03 = {
    "identifier": "@local:careful-reviewer", "name": "Careful reviewer", "changed": True,
    "operation": {"fields": [
        {"key": "llm.prediction.systemPrompt", "value": "Review the code you are given."},
        {"key": "llm.prediction.temperature", "value": 0.2},
        {"key": "llm.prediction.topKSampling", "value": 20},
        {"key": "llm.prediction.topPSampling", "value": {"checked": True, "value": 0.9}},
        {"key": "llm.prediction.minPSampling", "value": {"checked": False, "value": 0.05}},
        {"key": "llm.prediction.repeatPenalty", "value": {"checked": True, "value": 1.05}},
        {"key": "llm.prediction.maxPredictedTokens", "value": {"checked": True, "value": 512}},
        {"key": "llm.prediction.structured", "value": {"type": "json", "jsonSchema": {"type": "object"}}},
        {"key": "llm.prediction.stopStrings", "value": ["##"]},
        {"key": "llm.prediction.llama.cpuThreads", "value": 14},
    ]},
    "load": {"fields": [{"key": "llm.load.contextLength", "value": 4096}]},
}
# As LM Studio 0.2 exported one (lmstudio-ai/configs' schema).
LMSTUDIO_02 = {
    "name": "Exported from LM Studio on 12/1/2023, 4:19:30 AM",
    "load_params": {"n_ctx": 32760, "n_gpu_layers": 32},
    "inference_params": {"n_threads": 9, "n_predict": -1, "top_k": 40, "top_p": -1, "temp": 0.2,
                         "repeat_penalty": 1.1, "input_prefix": "### Instruction:\n", "antiprompt": ["###"],
                         "pre_prompt": "You are a friendly assistant.", "pre_prompt_suffix": "\n",
                         "pre_prompt_prefix": "", "tfs_z": 1, "typical_p": 1, "mirostat": 0, "logit_bias": {}},
}


def test_an_lmstudio_03_preset_maps_what_chatapp_has_and_names_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "careful.preset.json"
    path.write_text(json.dumps(LMSTUDIO_03))
    preset, unused = import_preset(path)
    settings = resolve(ChatSettings(), preset.layer)
    assert preset.name == "Careful reviewer" and settings.system_prompt == "Review the code you are given."
    s = settings.sampling
    assert (s.temperature, s.top_k, s.top_p, s.min_p, s.repeat_penalty, s.max_tokens) == (0.2, 20, 0.9, 0.0, 1.05, 512)
    assert json.loads(settings.output_schema) == {"type": "object"}
    assert unused == ["llm.prediction.stopStrings", "llm.prediction.llama.cpuThreads", "llm.load.contextLength"]


def test_an_lmstudio_02_export_maps_its_prompt_and_sampling(tmp_path: Path) -> None:
    path = tmp_path / "old.preset.json"
    path.write_text(json.dumps(LMSTUDIO_02))
    preset, unused = import_preset(path)
    settings = resolve(ChatSettings(), preset.layer)
    assert settings.system_prompt == "You are a friendly assistant."
    assert (settings.sampling.temperature, settings.sampling.top_k, settings.sampling.top_p) == (0.2, 40, 1.0)
    assert settings.sampling.max_tokens == ChatSettings().sampling.max_tokens  # -1 (no limit) left as it was
    assert sorted(unused) == ["inference_params.antiprompt", "inference_params.input_prefix",
                              "inference_params.n_threads", "inference_params.pre_prompt_suffix",
                              "load_params.n_ctx", "load_params.n_gpu_layers"]


@pytest.mark.parametrize(("content", "says"), [
    ("{not json", "is not a preset: it is not JSON"),
    (json.dumps({"temperature": 0.5}), "it has no name"),
    (json.dumps({"name": "x", "operation": {"fields": "nope"}}), "its fields are not a list"),
    (json.dumps({"name": "x", "format": "chatapp-preset", "temperature": "hot"}), "cannot be used as a preset"),
    ("[]", "it has no name"),
])
def test_a_damaged_file_is_one_sentence_and_nothing_is_kept(tmp_path: Path, content: str, says: str) -> None:
    store = PresetStore(tmp_path / "presets.json")
    store.save(find_preset("Concise answers", builtin_presets(BUILT_IN)))
    before = store.path.read_bytes()
    bad = tmp_path / "bad.preset.json"
    bad.write_text(content)
    with pytest.raises(PresetError, match=says):
        store.save(import_preset(bad)[0])
    assert store.path.read_bytes() == before


def test_presets_round_trip_through_a_file_and_the_store(tmp_path: Path) -> None:
    translator = find_preset("translator (chinese ↔ english)", builtin_presets(BUILT_IN))
    assert translator.builtin and "Chinese" in (translator.layer.system_prompt or "")
    zh = find_preset("中英互译", builtin_presets(BUILT_IN, "zh_CN"))
    assert zh.layer.sampling == translator.layer.sampling and "中文" in (zh.layer.system_prompt or "")
    export_preset(translator, tmp_path / "t.json")
    back, unused = import_preset(tmp_path / "t.json")
    assert back.layer == translator.layer and unused == [] and not back.builtin
    store = PresetStore(tmp_path / "presets.json")
    store.save(back)
    store.save(back)  # the same name replaces
    assert [p.name for p in store.load()] == [translator.name]
    store.remove(translator.name)
    assert store.load() == []
    with pytest.raises(PresetError, match="There is no preset 'nope'"):
        find_preset("nope", store.load())


def test_chat_with_a_preset_in_the_terminal(tmp_path: Path) -> None:
    run = run_chatapp("chat", "--model", "demo", "--preset", "Concise answers", "--show-prompt", "--prompt", "Hi")
    assert run.returncode == 0, run.stderr
    assert "Answer in as few words as the question allows" in run.stdout
    path = tmp_path / "careful.preset.json"
    path.write_text(json.dumps(LMSTUDIO_03))
    run = run_chatapp("chat", "--model", "demo", "--preset", "简洁回答", "--show-prompt", "--prompt", "你好")
    assert run.returncode == 0 and "用问题所需的最少字数回答" in run.stdout  # a built-in one by its Chinese name
    run = run_chatapp("presets", "import", str(path))
    assert run.returncode == 0 and "Careful reviewer" in run.stdout
    assert "not imported: llm.prediction.stopStrings" in run.stdout
    run = run_chatapp("presets")
    assert "Careful reviewer" in run.stdout and "Concise answers" in run.stdout
    run = run_chatapp("chat", "--model", "demo", "--preset", "careful reviewer", "--system", "Mine.",
                      "--show-prompt", "--prompt", "Hi")
    assert run.returncode == 0 and "Mine." in run.stdout and "Review the code" not in run.stdout  # a flag wins
    run = run_chatapp("chat", "--model", "demo", "--preset", "nope", "--prompt", "Hi")
    assert run.returncode != 0 and "There is no preset 'nope'" in run.stderr


def test_chat_in_a_project_in_the_terminal(tmp_path: Path) -> None:
    """`chatapp chat --project NAME`: the project's preset under its own settings, its instructions as the
    system prompt, its model when --model is left out, and the chat saved in the project."""
    from chatapp.core.models.library import demo_model_path
    from chatapp.core.storage.history import HistoryStore
    from chatapp.core.storage.paths import default_paths

    history = HistoryStore(default_paths().database)
    project = history.create_project("Letters", "You write polite letters.",
                                     {"temperature": 0.1, "preset": "Concise answers",
                                      "model": str(demo_model_path())})
    history.close()
    run = run_chatapp("chat", "--project", "letters", "--show-prompt", "--prompt", "Hi")
    assert run.returncode == 0, run.stderr
    assert "You write polite letters." in run.stdout and "as few words" not in run.stdout  # instructions win
    run = run_chatapp("chat", "--project", "Letters", "--system", "Mine.", "--show-prompt", "--prompt", "Hi")
    assert "Mine." in run.stdout and "polite letters" not in run.stdout  # a flag wins over the project

    run = run_chatapp("chat", "--project", project.id[:6], "--max-tokens", "4", "--seed", "1", "--stats",
                      "--prompt", "Hi")  # no --model: the project's
    assert run.returncode == 0, run.stderr
    history = HistoryStore(default_paths().database)
    try:
        [chat] = history.conversations()
        assert chat.project_id == project.id and chat.system_prompt == "You write polite letters."
        assert chat.settings["temperature"] == 0.1  # the project's own, over the preset's 0.5
        assert "smollm2" in chat.model.lower()  # answered by the project's model
    finally:
        history.close()

    run = run_chatapp("chat", "--project", "Novels", "--prompt", "Hi")
    assert run.returncode != 0 and "No single project is called 'Novels' (projects: Letters)" in run.stderr
    run = run_chatapp("chat", "--prompt", "Hi")
    assert run.returncode != 0 and "needs --model" in run.stderr
