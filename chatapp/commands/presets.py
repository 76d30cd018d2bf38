"""`chatapp presets` (list, import, export, remove), `chatapp chat --preset NAME` and `--project NAME`: the
window's presets (and projects' settings) in the terminal — the built-in presets and those saved in the
config folder's presets.json."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chatapp.core.storage.paths import AppPaths, resource_path

if TYPE_CHECKING:
    from chatapp.core.chat_settings import SettingsLayer
    from chatapp.core.presets import Preset, PresetStore
    from chatapp.core.storage.history import Project

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    presets = sub.add_parser("presets", help="list, import (chatapp's or LM Studio's .preset.json), export or "
                                             "remove presets")
    action = presets.add_subparsers(dest="presets_command", metavar="{import,export,remove}")
    imported = action.add_parser("import", help="keep a preset file (chatapp's, or LM Studio's 0.2/0.3 format)")
    imported.add_argument("file")
    exported = action.add_parser("export", help="write a preset to a file to share it")
    exported.add_argument("name")
    exported.add_argument("file")
    removed = action.add_parser("remove", help="forget a saved preset")
    removed.add_argument("name")


def store(paths: AppPaths) -> PresetStore:
    from chatapp.core.presets import PresetStore

    return PresetStore(paths.config_dir / "presets.json")


def all_presets(paths: AppPaths) -> list[Preset]:
    """The built-in presets, then the saved ones."""
    from chatapp.core.presets import builtin_presets

    return [*builtin_presets(resource_path("presets.json")), *store(paths).load()]


def named(paths: AppPaths) -> list[Preset]:
    """Every preset a name may pick: the built-in ones by their English or Chinese name, and the saved ones."""
    from chatapp.core.presets import builtin_presets

    return [*all_presets(paths), *builtin_presets(resource_path("presets.json"), "zh_CN")]


def run(args: argparse.Namespace, paths: AppPaths, stdout: TextIO) -> int:
    from chatapp.core.presets import export_preset, find_preset, import_preset

    command = getattr(args, "presets_command", None)
    if command == "import":
        preset, unused = import_preset(Path(args.file))
        store(paths).save(preset)
        stdout.write(f"Saved the preset '{preset.name}'.")
        stdout.write(f" LM Studio settings chatapp has no equivalent for, not imported: {', '.join(unused)}.\n"
                     if unused else "\n")
        return 0
    if command == "export":
        export_preset(find_preset(args.name, named(paths)), Path(args.file))
        stdout.write(f"{args.file}\n")
        return 0
    if command == "remove":
        preset = find_preset(args.name, store(paths).load())
        store(paths).remove(preset.name)
        stdout.write(f"Removed the preset '{preset.name}'.\n")
        return 0
    for preset in all_presets(paths):
        sets = ", ".join([*(["system prompt"] if preset.layer.system_prompt else []), *preset.layer.sampling])
        stdout.write(f"{preset.name:<34} {'built-in' if preset.builtin else 'saved':<9} {sets}\n")
    return 0


def apply_to_chat(args: argparse.Namespace, paths: AppPaths) -> None:
    """`chatapp chat --preset NAME`: the preset's settings where no flag says otherwise (a flag left at its
    default is taken as not given)."""
    from chatapp.core.presets import find_preset

    apply_layer(args, find_preset(args.preset, named(paths)).layer)


def apply_project(args: argparse.Namespace, paths: AppPaths, project: Project) -> None:
    """`chatapp chat --project NAME`: the project's settings as its chats in the window get them — its
    preset, over that its own settings, its instructions as the system prompt — then a `--preset` given
    now over those (not over the instructions), then the flags. Its document collections unless `--docs`
    names others; its model unless `--model` does."""
    from chatapp.core.chat_settings import SettingsLayer
    from chatapp.core.presets import find_preset

    layer, problems = SettingsLayer.from_store(project.settings, f"project '{project.name}' settings: ")
    for problem in problems:
        log.warning("%s", problem)
    if project.preset:
        found = [p for p in named(paths) if p.name == project.preset]
        if found:
            layer = layer.over(found[0].layer)
        else:
            log.warning("project '%s': its preset '%s' is gone; its own settings apply", project.name, project.preset)
    if args.preset:
        layer = find_preset(args.preset, named(paths)).layer.over(layer)
    layer = dataclasses.replace(layer, system_prompt=project.instructions or layer.system_prompt)
    apply_layer(args, layer)
    if not args.docs and layer.documents:
        args.docs = list(layer.documents)
    if args.model is None and project.model:
        args.model = project.model


def apply_layer(args: argparse.Namespace, layer: SettingsLayer) -> None:
    """A settings layer (a preset's, a project's) where no flag says otherwise (a flag left at its default is
    taken as not given)."""
    from chatapp.core.types import SamplingParams

    defaults = SamplingParams()
    for name, value in layer.sampling.items():
        flag = name.replace("-", "_")
        if hasattr(args, flag) and getattr(args, flag) == getattr(defaults, name):
            setattr(args, flag, value)
    if args.system is None and layer.system_prompt is not None:
        args.system = layer.system_prompt
    if args.template == "auto" and layer.template not in (None, "auto"):
        args.template = layer.template
        args.template_text = layer.custom_template or ""
    if not (args.json or args.json_schema or args.grammar) and layer.output_schema:
        args.schema_text = layer.output_schema
