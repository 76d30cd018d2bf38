"""`--speculative` and `--draft-model`, shared by `chatapp chat` and `chatapp serve`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chatapp.core.paths import AppPaths
from chatapp.core.speculative import DEFAULT_MODE, MODES, Speculation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--speculative", choices=MODES, default=DEFAULT_MODE,
                        help="guess tokens and check them in batches; the reply is the same, only faster "
                             f"(default {DEFAULT_MODE}: n-gram lookup in the prompt and reply; 'draft' needs "
                             "--draft-model)")
    parser.add_argument("--draft-model", metavar="PATH|NAME",
                        help="a small model of the main model's family (same tokenizer) that drafts for it")


def apply(engine: Any, args: argparse.Namespace, paths: AppPaths, extra_dirs: list[Path]) -> None:
    """Set the loaded engine's speculation from the arguments (raises KnownError in one sentence)."""
    from chatapp.core.errors import SettingsError
    from chatapp.core.library import resolve_model

    if args.draft_model and args.speculative != "draft":
        raise SettingsError("--draft-model is used only with --speculative draft.")
    draft = resolve_model(args.draft_model, paths.models_dir, extra_dirs) if args.draft_model else None
    engine.set_speculation(Speculation(args.speculative), draft)
