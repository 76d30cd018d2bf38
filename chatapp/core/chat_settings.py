"""A chat's settings, in layers: the app's defaults, then (with projects and presets) a project's and a
preset's, then the chat's own. Each layer holds only what it sets; the value a reply uses is the top
layer that sets it. A write merges into its layer and never replaces it, so a change of temperature
cannot drop a chat's tools or documents (it once did: the whole settings dict was rewritten from the
side panel's fields, which do not include them).

Stored in the conversation's `settings` JSON in the flat shape chats have always used (sampling
fields at the top, then `template`, `custom_template`, `output_schema`, `documents`, `tool_servers`,
`tool_choice`); the system prompt lives in its own column. Read field by field: a damaged value falls
back to the layer below alone, and says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chatapp.core.runtime import templates
from chatapp.core.storage.fields import valid_fields
from chatapp.core.types import TOOL_CHOICES, ChatTemplate, OutputFormat, SamplingParams

# The keys a layer stores besides the sampling fields.
TEXT_KEYS = ("template", "custom_template", "output_schema", "tool_choice", "voice")
NAME_KEYS = ("documents", "tool_servers")
SAMPLING_KEYS = tuple(f.name for f in dataclasses.fields(SamplingParams))


@dataclass(frozen=True)
class ChatSettings:
    """The settings a reply in a chat uses, every layer applied."""

    sampling: SamplingParams = SamplingParams()
    template: str = "auto"  # "auto", a preset name, or "custom"
    custom_template: str = ""
    system_prompt: str = ""
    output_schema: str = ""  # a JSON schema the replies must match ("": free text)
    documents: tuple[str, ...] = ()  # the collections the chat answers from
    tool_servers: tuple[str, ...] = ()  # the MCP servers whose tools it may call
    tool_choice: str = "auto"  # "required": each reply starts with a call
    voice: str = ""  # the voice its replies are read with ("": the app's, Settings → Voice)
    voice_speed: float = 0.0  # ...and how fast (0: the app's)

    def chat_template(self) -> ChatTemplate | None:
        """The template a reply is rendered with; None: the model's own. Raises TemplateError."""
        if self.template == "custom":
            return templates.custom(self.custom_template)
        return templates.from_choice(self.template)

    def output_format(self) -> OutputFormat | None:
        return OutputFormat("json_schema", self.output_schema, name="reply") if self.output_schema.strip() else None


@dataclass(frozen=True)
class SettingsLayer:
    """What one layer sets; None (or no sampling key) leaves it to the layer below."""

    sampling: Mapping[str, Any] = field(default_factory=dict)  # some of SamplingParams' fields
    template: str | None = None
    custom_template: str | None = None
    system_prompt: str | None = None
    output_schema: str | None = None
    documents: tuple[str, ...] | None = None
    tool_servers: tuple[str, ...] | None = None
    tool_choice: str | None = None
    voice: str | None = None
    voice_speed: float | None = None

    @classmethod
    def of(cls, settings: ChatSettings, *names: str) -> SettingsLayer:
        """A layer setting `names` (all fields when none are given) to their values in `settings`."""
        names = names or tuple(f.name for f in dataclasses.fields(cls))
        values: dict[str, Any] = {n: getattr(settings, n) for n in names if n != "sampling"}
        if "sampling" in names:
            values["sampling"] = settings.sampling.to_dict()
        return cls(**values)

    def over(self, below: SettingsLayer) -> SettingsLayer:
        """This layer merged onto `below`: what this one sets wins, the rest is kept."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                  if f.name != "sampling" and getattr(self, f.name) is not None}
        return replace(below, sampling={**below.sampling, **self.sampling}, **values)

    def beyond(self, below: ChatSettings, kept: SettingsLayer | None = None) -> SettingsLayer:
        """This layer without what `below` already has (what a chat in a project sets of its own), except
        what `kept` (the chat's layer as it is) sets: set back to the project's value, it must change."""
        base = SettingsLayer.of(below)
        kept = kept or SettingsLayer()
        values = {f.name: None for f in dataclasses.fields(self)
                  if f.name != "sampling" and getattr(self, f.name) == getattr(base, f.name)
                  and getattr(kept, f.name) is None}
        sampling = {k: v for k, v in self.sampling.items() if base.sampling.get(k) != v or k in kept.sampling}
        return replace(self, sampling=sampling, **values)

    def apply(self, settings: ChatSettings) -> ChatSettings:
        """`settings` with what this layer sets."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                  if f.name != "sampling" and getattr(self, f.name) is not None}
        return replace(settings, sampling=replace(settings.sampling, **self.sampling), **values)

    def to_store(self) -> dict[str, Any]:
        """The stored shape: only what this layer sets (the system prompt has a column of its own)."""
        stored: dict[str, Any] = dict(self.sampling)
        stored.update({k: getattr(self, k) for k in TEXT_KEYS if getattr(self, k) is not None})
        stored.update({k: list(getattr(self, k)) for k in NAME_KEYS if getattr(self, k) is not None})
        if self.voice_speed is not None:
            stored["voice_speed"] = self.voice_speed
        return stored

    @classmethod
    def from_store(cls, stored: Mapping[str, Any], where: str = "") -> tuple[SettingsLayer, list[str]]:
        """A stored layer read field by field, and a line for each value that could not be used."""
        sampling, problems = valid_fields(SamplingParams, stored, where)
        values: dict[str, Any] = {}
        for key in TEXT_KEYS:
            value = stored.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or (key == "tool_choice" and value not in TOOL_CHOICES):
                problems.append(f"{where}{key}: {value!r:.60} cannot be used; using the default")
                continue
            values[key] = value
        for key in NAME_KEYS:
            value = stored.get(key)
            if value is None:
                continue
            if not isinstance(value, list):
                problems.append(f"{where}{key}: not a list of names; using the default")
                continue
            values[key] = tuple(n for n in value if isinstance(n, str))
        speed = stored.get("voice_speed")
        if speed is not None:
            if isinstance(speed, (int, float)) and not isinstance(speed, bool) and (speed == 0 or 0.5 <= speed <= 2):
                values["voice_speed"] = float(speed)
            else:
                problems.append(f"{where}voice_speed: {speed!r:.60} cannot be used; using the app's")
        return cls(sampling=sampling, **values), problems


def resolve(defaults: ChatSettings, *layers: SettingsLayer) -> ChatSettings:
    """The settings a reply uses: `defaults` with each layer applied in turn (the last one wins)."""
    settings = defaults
    for layer in layers:
        settings = layer.apply(settings)
    return settings
