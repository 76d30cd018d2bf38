"""`chatapp serve`: the model library behind OpenAI's, Anthropic's and Ollama's APIs, until Ctrl+C or SIGTERM.

    chatapp serve [--model PATH|NAME|demo] [--max-models N] [--idle-unload SECONDS]
                  [--host 127.0.0.1] [--port 8080] [--api-key KEY | --no-api-key]
                  [--ctx N] [--threads N] [--gpu-layers N] [--parallel N] [--cors-origin URL ...]
                  [--allowed-host NAME ...] [--max-body BYTES]
                  [--speculative off|prompt-lookup|draft] [--draft-model PATH|NAME]
                  [--embedding-model PATH|NAME]

Every model in the library and the model folders is served by the id `/v1/models` lists, loaded when a
request names it and unloaded when it has been idle (or to make room); `--model` loads one first and
makes it the default for requests that name none.

Loopback only unless --host says otherwise; listening elsewhere needs a key, or --no-api-key to say
that anyone on the network may use the model. docs/SECURITY.md says what else is refused and why.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chatapp.commands import speculation_options
from chatapp.core.storage.paths import AppPaths
from chatapp.core.types import LoadOptions
from chatapp.server.limits import DEFAULT_MAX_BODY

if TYPE_CHECKING:
    from concurrent.futures import Future

    from chatapp.core.runtime.router import ModelRouter
    from chatapp.core.types import ModelSummary
    from chatapp.documents.embedder import Embedder
    from chatapp.server.runner import ApiServer

log = logging.getLogger(__name__)

# As llama-server's default number of slots: four clients are served at once.
DEFAULT_PARALLEL = 4


def add_parser(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve the model library over OpenAI-, Anthropic- and "
                                              "Ollama-compatible HTTP APIs")
    serve.add_argument("--model", help="load this model first and answer requests that name none with it "
                                       "(a file, a library name, or 'demo'); every library model is served anyway")
    serve.add_argument("--max-models", type=_at_least(1), metavar="N",
                       help="models kept loaded at once, the least recently used unloaded first (default: as many "
                            "as memory holds, or the window's setting)")
    serve.add_argument("--idle-unload", type=_seconds, metavar="SECONDS",
                       help="unload a model nobody used for this long (default 900, or the window's setting; "
                            "0: never); a request's keep_alive or ttl sets it for its model")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this computer only)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--api-key", default=os.environ.get("CHATAPP_API_KEY"),
                       help="require this key as 'Authorization: Bearer KEY' (or set CHATAPP_API_KEY)")
    serve.add_argument("--ctx", type=int, help="context size in tokens (default: from the model and RAM)")
    serve.add_argument("--threads", type=int, help="CPU threads (default: physical cores)")
    serve.add_argument("--gpu-layers", type=int, help="layers to offload (-1 all; default: all if a GPU is usable)")
    serve.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL, metavar="N",
                       help=f"requests generated at once, batched together, sharing the context (default "
                            f"{DEFAULT_PARALLEL}; 1: one after another)")
    serve.add_argument("--mmproj", metavar="FILE",
                       help="the model's vision projector, for image_url parts (default: an mmproj-*.gguf beside it)")
    speculation_options.add_arguments(serve)
    serve.add_argument("--embedding-model", metavar="PATH|NAME",
                       help="also serve /v1/embeddings with this GGUF embedding model "
                            "('all-MiniLM-L6-v2': the built-in one)")
    serve.add_argument("--no-voice", action="store_true",
                       help="do not serve /v1/audio/transcriptions and /v1/audio/speech (served by default with the "
                            "installed speech models, loaded on the first request)")
    serve.add_argument("--no-api-key", action="store_true",
                       help="listen beyond this computer without a key (anyone who can reach it may use the model)")
    serve.add_argument("--cors-origin", action="append", default=[], metavar="URL",
                       help="allow browser pages from this origin to call the API (repeatable; default: none)")
    serve.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                       help="also answer requests addressed to this host name (repeatable; '*' any: "
                            "this turns off the protection against DNS rebinding)")
    serve.add_argument("--max-body", type=_at_least(1024, "bytes"), default=DEFAULT_MAX_BODY, metavar="BYTES",
                       help=f"largest request body (default {DEFAULT_MAX_BODY // 2**20} MiB)")


def _at_least(minimum: int, unit: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number (of `unit`) no smaller than `minimum`."""
    what, least = (f"a number of {unit}", f"{minimum} {unit}") if unit else ("a whole number", str(minimum))

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {least}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError("must be 0 (never) or a number of seconds")
    return value


def is_loopback(host: str) -> bool:
    """This computer only (a loopback name or address); imported from the standard library alone, so the check
    runs before the HTTP stack is imported."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(args: argparse.Namespace) -> list[str]:
    """Refuse a keyless server beyond loopback unless asked for; the warnings for what is risky but allowed."""
    from chatapp.core.errors import KnownError

    if args.api_key and args.no_api_key:
        raise KnownError("Give --api-key or --no-api-key, not both.")
    if not is_loopback(args.host) and not args.api_key and not args.no_api_key:
        raise KnownError(f"Listening on {args.host} lets anyone who can reach this computer use the model: set "
                         "--api-key KEY (or CHATAPP_API_KEY), or pass --no-api-key if that is what you want.")
    warnings = []
    if not is_loopback(args.host) and not args.api_key:
        warnings.append(f"listening on {args.host} without an API key: anyone who can reach this computer can use "
                        "the model.")
    if "*" in args.cors_origin:
        warnings.append("--cors-origin '*' lets every web page you visit use the model through your browser"
                        + ("." if args.api_key else ", with no key to stop it."))
    if "*" in args.allowed_host:
        warnings.append("--allowed-host '*' answers requests addressed to any name, so a web page can reach the "
                        "server through DNS rebinding.")
    return warnings


def run(args: argparse.Namespace, paths: AppPaths, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.core.models import gguf_info  # noqa: F401 - the load's header reader, imported before it starts
    from chatapp.core.models.library import resolve_model
    from chatapp.core.runtime import llama_runtime
    from chatapp.core.runtime.router import ModelRouter, RouterPolicy
    from chatapp.core.storage.settings import load_settings
    from chatapp.server.library import library_catalog

    for warning in check_exposure(args):
        stderr.write(f"chatapp: warning: {warning}\n")
    settings = load_settings(paths.settings_file)
    extra = [Path(f) for f in settings.extra_model_dirs]
    model_path = resolve_model(args.model, paths.models_dir, extra) if args.model else None
    options = LoadOptions(n_ctx=args.ctx, n_threads=args.threads, n_gpu_layers=args.gpu_layers, mmproj=args.mmproj,
                          parallel=args.parallel)
    max_models = args.max_models if args.max_models is not None else settings.api_max_models or None
    idle = args.idle_unload if args.idle_unload is not None else float(settings.api_idle_unload)
    policy = RouterPolicy(max_models=max_models, idle_unload=idle or None, options=options)
    catalog = library_catalog(paths, [model_path] if model_path is not None else [])
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    server: ApiServer | None = None
    router: ModelRouter | None = None
    try:
        # The first model loads on its thread, mostly in llama.cpp outside the GIL, while this one imports
        # the HTTP stack and starts listening: start-up is about the longer of the two, not their sum. A
        # request that comes while a model loads waits behind the load (and the speculation set after it)
        # instead of being refused, so a client needs no polling.
        llama_runtime.llama()  # the bindings first, alone: imported beside the HTTP stack, both took twice as long
        router = ModelRouter(None, catalog, policy,
                             prepare=lambda engine: _speculate(engine, args, paths, extra, model_path))
        loading = router.preload(catalog.pin(model_path).id) if model_path is not None else None
        from chatapp.server.runner import ApiServer
        from chatapp.server.state import ServerState

        embedder = _embedder(args, paths)
        from chatapp.voice.engines import VoiceEngines

        voice = None if args.no_voice else VoiceEngines(paths.data_dir, args.threads or 0)
        state = ServerState(router, embedder=embedder, voice=voice)
        server = ApiServer(state, args.host, args.port, args.api_key, args.cors_origin, args.allowed_host,
                           args.max_body)
        server.start()
        stdout.write(_serving(router, loading, embedder, server.url))
        stdout.flush()
        while not stop.wait(0.5):
            pass
        stdout.write("Stopping.\n")
        return 0
    finally:
        if server is not None:
            server.stop()
        if router is not None:
            router.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _speculate(engine: Any, args: argparse.Namespace, paths: AppPaths, extra: list[Path],
               first: Path | None) -> None:
    """The speculation asked for, on each model as it loads. A draft model that cannot draft for a model
    (another vocabulary) fails the load of the one it was given for (`--model`); any other drafts from
    the prompt instead, and the log says why."""
    from chatapp.core.errors import KnownError
    from chatapp.core.types import Speculation

    try:
        speculation_options.apply(engine, args, paths, extra)
    except KnownError as exc:
        summary = engine.summary
        if summary is None or (first is not None and Path(summary.path) == first):
            raise
        log.warning("%s: %s; it drafts from the prompt instead", summary.name, exc)
        engine.set_speculation(Speculation("prompt-lookup"))


def _serving(router: ModelRouter, loading: Future[ModelSummary] | None, embedder: Embedder | None, url: str) -> str:
    """What `chatapp serve` says once it listens (and its first model, if it was given one, is loaded): the
    default model and the address on the first line (scripts read it), the others on request after it."""
    from chatapp.core.models.catalog import model_id

    assert router.catalog is not None
    ids = [entry.id for entry in router.catalog.entries()]
    also = f" and embeddings with {embedder.path.stem}" if embedder is not None else ""
    if loading is not None:
        default = model_id(loading.result().path)  # raises the load's one sentence
        others = [i for i in ids if i != default]
        lines = [f"Serving {default}{also} on {url}"]
        if others:
            lines.append(f"Also on request: {_few(others)}")
    elif ids:
        lines = [f"Serving {len(ids)} model{'s' if len(ids) != 1 else ''} on request{also} on {url}",
                 f"Models: {_few(ids)}"]
    else:
        lines = [f"Serving an empty library{also} on {url}", "Add models with chatapp download."]
    return "".join(f"{line}\n" for line in lines)


def _few(ids: list[str], shown: int = 8) -> str:
    return ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more (GET /v1/models)" if len(ids) > shown else "")


def _embedder(args: argparse.Namespace, paths: AppPaths) -> Any:
    if not args.embedding_model:
        return None
    from chatapp.documents.collections import resolve_embedding_model
    from chatapp.documents.embedder import Embedder

    return Embedder(resolve_embedding_model(paths, args.embedding_model), args.threads)
