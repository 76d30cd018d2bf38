"""`--speculative` and `--draft-model`, shared by `chatapp chat` and `chatapp serve`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chatapp.core.storage.paths import AppPaths
from chatapp.core.types import DEFAULT_SPECULATION, SPECULATION_MODES, Speculation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--speculative", choices=SPECULATION_MODES, default=DEFAULT_SPECULATION,
                        help="guess tokens and check them in batches; the reply is the same, only faster "
                             f"(default {DEFAULT_SPECULATION}: n-gram lookup in the prompt and reply; 'draft' needs "
                             "--draft-model)")
    parser.add_argument("--draft-model", metavar="PATH|NAME",
                        help="a small model of the main model's family (same tokenizer) that drafts for it")


def apply(engine: Any, args: argparse.Namespace, paths: AppPaths, extra_dirs: list[Path]) -> None:
    """Set the loaded engine's speculation from the arguments (raises KnownError in one sentence)."""
    from chatapp.core.errors import SettingsError
    from chatapp.core.models.library import resolve_model

    if args.draft_model and args.speculative != "draft":
        raise SettingsError("--draft-model is used only with --speculative draft.")
    draft = resolve_model(args.draft_model, paths.models_dir, extra_dirs) if args.draft_model else None
    engine.set_speculation(Speculation(args.speculative), draft)
