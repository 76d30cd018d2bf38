"""`chatapp search`, `chatapp download` and `chatapp models`: finding, fetching and listing GGUF models."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chatapp.core.errors import KnownError
from chatapp.core.storage.paths import AppPaths

if TYPE_CHECKING:
    from chatapp.core.models.downloads import DownloadProgress
    from chatapp.core.models.remote import RemoteModel
    from chatapp.core.models.sources import SourceClient
    from chatapp.core.storage.settings import AppSettings

SOURCE_HELP = ("where models come from: hf (Hugging Face), mirror (a Hugging Face mirror, hf-mirror.com unless "
               "Settings name another), modelscope, or a mirror's address; default: the saved choice, or "
               "CHATAPP_MODEL_SOURCE")


def add_parsers(sub: Any) -> None:
    search = sub.add_parser("search", help="search a model source (Hugging Face, a mirror, ModelScope) for GGUF "
                                           "models")
    search.add_argument("term", nargs="?", default="")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--source", help=SOURCE_HELP)
    download = sub.add_parser("download", help="download a GGUF model into the library (verified)")
    download.add_argument("repo", help="e.g. Qwen/Qwen3-0.6B-GGUF")
    which = download.add_mutually_exclusive_group()
    which.add_argument("--file", help="file name in the repo")
    which.add_argument("--quant", help="quantization, e.g. Q4_K_M")
    download.add_argument("--source", help=SOURCE_HELP)
    models = sub.add_parser("models", help="list the models in the library")
    models.add_argument("--source", help="remember where `chatapp search` and `download` (and the window) look: "
                                         "hf, mirror, modelscope or a mirror's address")
    folders = models.add_mutually_exclusive_group()
    folders.add_argument("--add-folder", metavar="DIR", help="also list (and open by name) the models in DIR")
    folders.add_argument("--remove-folder", metavar="DIR", help="stop using an extra folder")
    models_sub = models.add_subparsers(dest="models_command", metavar="{alias}")
    alias = models_sub.add_parser("alias", help="name a library model as a client expects it (list: no arguments)",
                                  description="Give a library model another name for API requests, for clients "
                                              "that hard-code one (e.g. chatapp models alias gpt-4o-mini "
                                              "qwen2.5-0.5b-instruct-q4_k_m).")
    alias.add_argument("name", nargs="?", help="the name clients send")
    alias.add_argument("model", nargs="?", help="the library model's id (as chatapp models or /v1/models shows it)")
    alias.add_argument("--remove", metavar="NAME", help="forget an alias")


def source_client(args: argparse.Namespace, paths: AppPaths) -> SourceClient:
    """The source `--source` names, else CHATAPP_MODEL_SOURCE, else the one saved in Settings."""
    from chatapp.core.models.sources import client_for, configured_source, source_from
    from chatapp.core.storage.settings import load_settings

    settings = load_settings(paths.settings_file)
    if getattr(args, "source", None):
        return client_for(source_from(args.source, settings.model_mirror))
    return client_for(configured_source(settings.model_source, settings.model_mirror))


def run_search(args: argparse.Namespace, paths: AppPaths, stdout: TextIO) -> int:
    client = source_client(args, paths)
    results = client.search(args.term, limit=args.limit)
    if not results:
        stdout.write(f"No GGUF repositories on {client.source.name} match '{args.term}'.\n")
    for r in results:
        updated = r.last_modified.strftime("%Y-%m-%d") if r.last_modified else "?"
        gated = "  (gated)" if r.gated else ""
        stdout.write(f"{r.repo_id:<60} {r.downloads:>10,} downloads {r.likes:>6,} likes  {updated}{gated}\n")
    return 0


def pick_model(models: Sequence[RemoteModel], repo: str, file: str | None, quant: str | None) -> RemoteModel:
    """The one model the user asked for: by file name, by quant, or the repo's only one."""
    if not models:
        raise KnownError(f"{repo} has no GGUF files.")
    if file:
        matches = [m for m in models if file in (m.name, *(f.path for f in m.files))]
    elif quant:
        matches = [m for m in models if m.quant.upper() == quant.upper()]
    else:
        matches = list(models) if len(models) == 1 else []
    if len(matches) != 1:
        choices = ", ".join(f"{m.name} ({m.quant})" for m in models)
        asked = f"file '{file}'" if file else f"quant '{quant}'" if quant else "a file"
        raise KnownError(f"Pick one with --file or --quant: no single match for {asked} in {repo}. "
                         f"Available: {choices}.")
    return matches[0]


def run_download(args: argparse.Namespace, paths: AppPaths, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.core.models.downloads import download_model
    from chatapp.core.models.library import human_size

    client = source_client(args, paths)
    model = pick_model(client.list_models(args.repo), args.repo, args.file, args.quant)
    interactive = stderr.isatty()

    def show(p: DownloadProgress) -> None:
        if not interactive:
            return
        pct = p.done / p.total * 100 if p.total else 100.0
        bar = "#" * int(pct / 4)
        eta = f"{p.eta_s:.0f}s" if p.eta_s is not None else "?"
        stderr.write(f"\r[{bar:<25}] {pct:5.1f}% {human_size(p.done)}/{human_size(p.total)} "
                     f"{human_size(p.speed_bps)}/s ETA {eta}   ")
        stderr.flush()

    def waiting(sentence: str) -> None:
        if interactive:
            stderr.write("\n")
        stderr.write(f"chatapp: {sentence} (Ctrl+C stops waiting.)\n")
        stderr.flush()

    def unverified(file: str) -> None:
        stderr.write(f"chatapp: {file} is unverified: {client.source.name} gives no checksum for it, so it could "
                     "not be checked.\n")

    try:
        path = download_model(model, paths.models_dir, progress=show, on_wait=waiting, on_unverified=unverified)
    finally:
        if interactive:
            stderr.write("\n")
    stdout.write(f"{path}\n")
    return 0


def run_models(args: argparse.Namespace, paths: AppPaths, stdout: TextIO) -> int:
    from chatapp.core.models.catalog import model_id
    from chatapp.core.models.library import human_size, scan_library
    from chatapp.core.storage.settings import load_settings, save_settings

    if getattr(args, "models_command", None) == "alias":
        return run_alias(args, paths, stdout)
    settings = load_settings(paths.settings_file)
    if args.source:
        settings = remember_source(args.source, settings, paths, stdout)
    folders = list(settings.extra_model_dirs)
    if args.add_folder:
        folder = Path(args.add_folder).expanduser().resolve()
        if not folder.is_dir():
            raise KnownError(f"{folder} is not a folder.")
        folders = [*dict.fromkeys([*folders, str(folder)])]
    elif args.remove_folder:
        folders = [f for f in folders if Path(f) != Path(args.remove_folder).expanduser().resolve()]
    if folders != list(settings.extra_model_dirs):
        save_settings(paths.settings_file, settings.with_changes(extra_model_dirs=tuple(folders)))
    models = scan_library([paths.models_dir, *(Path(f) for f in folders)])
    if not models:
        stdout.write(f"No models in {paths.models_dir}. Try `chatapp search` and `chatapp download`.\n")
    for m in models:
        if m.problem:
            stdout.write(f"{m.path.name:<50} {human_size(m.size):>9}  unusable: {m.problem}\n")
            continue
        template = "template" if m.has_template else "no template"
        stdout.write(f"{m.path.name:<50} {human_size(m.size):>9}  {m.architecture:<10} {m.parameter_label:>6} "
                     f"{m.quant:<7} ctx {m.context_length:<7} {template:<11}  API: {model_id(m.path)}\n")
    return 0


def remember_source(choice: str, settings: AppSettings, paths: AppPaths, stdout: TextIO) -> AppSettings:
    """`chatapp models --source X`: the source searches and downloads use from now on, here and in the window."""
    from chatapp.core.models.sources import source_from
    from chatapp.core.storage.settings import save_settings

    source = source_from(choice, settings.model_mirror)
    changes: dict[str, str] = {"model_source": source.kind}
    if source.kind == "mirror":
        changes["model_mirror"] = source.endpoint
    settings = settings.with_changes(**changes)
    save_settings(paths.settings_file, settings)
    stdout.write(f"Models now come from {source.name} ({source.base_url()}).\n")
    return settings


def run_alias(args: argparse.Namespace, paths: AppPaths, stdout: TextIO) -> int:
    """List, add or remove the names API requests may use for a library model."""
    from chatapp.core.storage.settings import ModelAlias, load_settings, save_settings
    from chatapp.server.library import library_catalog

    settings = load_settings(paths.settings_file)
    aliases = {a.name.lower(): a for a in settings.model_aliases}
    if args.remove:
        if aliases.pop(args.remove.lower(), None) is None:
            raise KnownError(f"There is no alias '{args.remove}'.")
    elif args.name:
        if not args.model:
            raise KnownError(f"Say which model '{args.name}' names: chatapp models alias {args.name} MODEL.")
        catalog = library_catalog(paths)
        if catalog.find(args.name) is not None and args.name.lower() not in aliases:
            raise KnownError(f"'{args.name}' already names a model in the library; choose another alias.")
        entry = catalog.find(args.model)
        if entry is None:
            known = ", ".join(catalog.suggestions()) or "none yet"
            raise KnownError(f"There is no model '{args.model}' in the library (models: {known}).")
        aliases[args.name.lower()] = ModelAlias(args.name, entry.id)
    if args.remove or args.name:
        save_settings(paths.settings_file, settings.with_changes(model_aliases=tuple(aliases.values())))
    if not aliases:
        stdout.write("No aliases. Add one: chatapp models alias NAME MODEL.\n")
    for alias in aliases.values():
        stdout.write(f"{alias.name} -> {alias.model}\n")
    return 0

