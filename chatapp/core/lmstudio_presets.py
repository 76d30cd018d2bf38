"""LM Studio's preset files as chatapp presets.

Two formats (LM Studio's schema: lmstudio-js `packages/lms-kv-config/src/schema.ts`; 0.2's:
lmstudio-ai/configs `schema.json`):
- 0.3 and later: `{"identifier", "name", "operation": {"fields": [{"key", "value"}]}, "load": {...}}`,
  where top-p, min-p, the repeat penalty, max tokens and the seed are `{"checked", "value"}` (unchecked:
  off) and temperature and top-k plain numbers;
- 0.2: `{"name", "inference_params": {"pre_prompt", "temp", "top_k", ...}, "load_params": {...}}`.
What chatapp has a setting for is mapped; the rest (stop strings, manual prompt templates, load settings,
mirostat…) is named in the result so the user knows what was left behind.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from chatapp.core.chat_settings import SettingsLayer
from chatapp.core.errors import QT_TRANSLATE_NOOP
from chatapp.core.presets import Preset, PresetError

PREDICTION = "llm.prediction."


def from_lmstudio(data: dict[str, Any], where: str) -> tuple[Preset, list[str]]:
    """The preset and the names of the fields it had that chatapp cannot use."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PresetError(QT_TRANSLATE_NOOP("core", "{file} is not a preset: it has no name."), file=where)
    if "operation" in data or "load" in data:
        sampling, values, unused = _from_fields(data, where)
    else:
        sampling, values, unused = _from_v2(data)
    layer, problems = SettingsLayer.from_store({**sampling, **{k: v for k, v in values.items()
                                                               if k != "system_prompt"}})
    unused += [p.split(":")[0] for p in problems]  # a value out of chatapp's range is left out, and named
    return Preset(name.strip(), replace(layer, system_prompt=values.get("system_prompt"))), unused


def _checkbox(value: Any, off: Any) -> Any:
    """`{"checked": true, "value": x}` → x; unchecked → `off` (the setting is off); a plain number as is."""
    if isinstance(value, dict):
        return value.get("value") if value.get("checked") else off
    return value


def _fields(section: Any, where: str) -> list[tuple[str, Any]]:
    fields = section.get("fields", []) if isinstance(section, dict) else None
    if not isinstance(fields, list):
        raise PresetError(QT_TRANSLATE_NOOP("core", "{file} is not a preset LM Studio wrote: its fields are not a "
                                            "list."), file=where)
    return [(f["key"], f.get("value")) for f in fields if isinstance(f, dict) and isinstance(f.get("key"), str)]


def _from_fields(data: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    sampling: dict[str, Any] = {}
    values: dict[str, Any] = {}
    unused: list[str] = []
    for key, value in _fields(data.get("operation", {"fields": []}), where):
        short = key.removeprefix(PREDICTION)
        if short == "systemPrompt" and isinstance(value, str):
            values["system_prompt"] = value
        elif short == "temperature":
            sampling["temperature"] = value
        elif short == "topKSampling":
            top_k = _checkbox(value, 0)
            sampling["top_k"] = 0 if isinstance(top_k, int | float) and top_k < 0 else top_k  # -1: off
        elif short == "topPSampling":
            sampling["top_p"] = _checkbox(value, 1.0)
        elif short == "minPSampling":
            sampling["min_p"] = _checkbox(value, 0.0)
        elif short == "repeatPenalty":
            sampling["repeat_penalty"] = _checkbox(value, 1.0)
        elif short == "maxPredictedTokens":
            limit = _checkbox(value, None)
            if limit is not None:
                sampling["max_tokens"] = limit
        elif short == "seed":
            sampling["seed"] = _checkbox(value, -1)
        elif short in ("llama.presencePenalty", "llama.frequencyPenalty"):
            field = "presence_penalty" if short.endswith("presencePenalty") else "frequency_penalty"
            sampling[field] = _checkbox(value, 0.0)
        elif short == "structured" and isinstance(value, dict) and value.get("type") in ("json", "none"):
            schema = value.get("jsonSchema")
            values["output_schema"] = json.dumps(schema, indent=1) if value.get("type") == "json" and schema else ""
        elif short == "promptTemplate" and isinstance(value, dict) and value.get("type") == "jinja" \
                and isinstance((value.get("jinjaPromptTemplate") or {}).get("template"), str):
            values["template"] = "custom"
            values["custom_template"] = value["jinjaPromptTemplate"]["template"]
        else:
            unused.append(key)
    unused += [key for key, _ in _fields(data.get("load", {"fields": []}), where)]
    return sampling, values, unused


V2_SAMPLING = {"temp": "temperature", "top_k": "top_k", "top_p": "top_p", "min_p": "min_p",
               "repeat_penalty": "repeat_penalty", "seed": "seed", "presence_penalty": "presence_penalty",
               "frequency_penalty": "frequency_penalty"}


# 0.2 values that mean "off" (LM Studio wrote every field into an export): not worth naming as left behind.
V2_NOTHING: dict[str, Any] = {"tfs_z": 1, "typical_p": 1, "mirostat": 0, "n_keep": 0, "logit_bias": {},
                              "antiprompt": [], "multiline_input": False, "memory_f16": True,
                              "penalize_nl": True, "mirostat_tau": 5, "mirostat_eta": 0.1}


def _from_v2(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    found = data.get("inference_params")
    params: dict[str, Any] = found if isinstance(found, dict) else {}
    sampling: dict[str, Any] = {}
    values: dict[str, Any] = {}
    unused: list[str] = []
    for key, value in params.items():
        if key == "pre_prompt" and isinstance(value, str):
            values["system_prompt"] = value
        elif key in V2_SAMPLING:
            if key in ("top_p", "top_k") and isinstance(value, int | float) and value < 0:
                value = 1.0 if key == "top_p" else 0  # -1: off
            sampling[V2_SAMPLING[key]] = value
        elif key == "n_predict":
            if isinstance(value, int) and value > 0:
                sampling["max_tokens"] = value
        elif (key in ("pre_prompt_prefix", "pre_prompt_suffix", "input_prefix", "input_suffix") and not value) \
                or V2_NOTHING.get(key, ...) == value:
            continue  # empty or off: nothing was set
        else:
            unused.append(f"inference_params.{key}")
    load = data.get("load_params")
    unused += [f"load_params.{key}" for key in (load if isinstance(load, dict) else {})]
    return sampling, values, unused
