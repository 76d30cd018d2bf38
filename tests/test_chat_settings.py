"""A chat's settings in layers: each layer holds only what it sets, a write merges, damage stays local."""

from __future__ import annotations

from dataclasses import replace

from chatapp.core.chat_settings import ChatSettings, SettingsLayer, resolve
from chatapp.core.storage.history import HistoryStore
from chatapp.core.types import SamplingParams

DEFAULTS = ChatSettings(SamplingParams(temperature=0.7, top_k=40), template="auto", system_prompt="Be brief.")


def test_the_top_layer_that_sets_a_value_wins_and_the_rest_shows_through() -> None:
    preset = SettingsLayer(sampling={"temperature": 0.2}, system_prompt="Translate.")
    chat = SettingsLayer(sampling={"top_k": 5}, tool_servers=("weather",))
    settings = resolve(DEFAULTS, preset, chat)
    assert (settings.sampling.temperature, settings.sampling.top_k) == (0.2, 5)
    assert settings.system_prompt == "Translate." and settings.tool_servers == ("weather",)
    assert settings.template == "auto" and settings.sampling.top_p == DEFAULTS.sampling.top_p


def test_a_write_merges_into_the_layer_and_never_drops_what_it_does_not_name() -> None:
    layer = SettingsLayer(tool_servers=("weather",), documents=("notes",), tool_choice="required")
    panel = SettingsLayer.of(replace(DEFAULTS, sampling=SamplingParams(temperature=1.3)), "sampling", "template")
    merged = panel.over(layer)
    assert merged.tool_servers == ("weather",) and merged.documents == ("notes",) and merged.tool_choice == "required"
    assert merged.sampling["temperature"] == 1.3 and merged.template == "auto"


def test_the_stored_shape_round_trips_and_a_damaged_value_falls_back_alone() -> None:
    layer = SettingsLayer(sampling={"temperature": 0.4}, template="chatml", output_schema='{"type": "object"}',
                          documents=("a", "b"), tool_servers=(), tool_choice="auto")
    stored = layer.to_store()
    assert stored == {"temperature": 0.4, "template": "chatml", "output_schema": '{"type": "object"}',
                      "documents": ["a", "b"], "tool_servers": [], "tool_choice": "auto"}
    assert SettingsLayer.from_store(stored) == (layer, [])
    damaged, problems = SettingsLayer.from_store({**stored, "temperature": 9, "tool_servers": "weather",
                                                  "tool_choice": "always"})
    assert damaged.sampling == {} and damaged.tool_servers is None and damaged.tool_choice is None
    assert damaged.documents == ("a", "b") and damaged.template == "chatml" and len(problems) == 3


def test_the_store_merges_settings_in_one_write(store: HistoryStore) -> None:
    conv = store.create_conversation(settings={"temperature": 0.5, "tool_servers": ["weather"]})
    conv = store.update_conversation(conv.id, settings={"temperature": 1.1}, title="Renamed")
    assert conv.settings == {"temperature": 1.1, "tool_servers": ["weather"]} and conv.title == "Renamed"


def test_a_chats_voice_and_speed_round_trip_and_a_damaged_speed_is_the_apps() -> None:
    layer = SettingsLayer(voice="zh_CN-huayan-medium", voice_speed=1.25)
    stored = layer.to_store()
    assert stored == {"voice": "zh_CN-huayan-medium", "voice_speed": 1.25}
    again, problems = SettingsLayer.from_store(stored)
    assert again == layer and problems == []
    chat = resolve(ChatSettings(), again)
    assert (chat.voice, chat.voice_speed) == ("zh_CN-huayan-medium", 1.25)
    assert (ChatSettings().voice, ChatSettings().voice_speed) == ("", 0.0)  # the app's, unless a layer says
    damaged, problems = SettingsLayer.from_store({"voice": "amy", "voice_speed": 9, "temperature": 0.3})
    assert damaged.voice == "amy" and damaged.voice_speed is None and damaged.sampling == {"temperature": 0.3}
    assert problems == ["voice_speed: 9 cannot be used; using the app's"]
