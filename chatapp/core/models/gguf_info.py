"""Read and check a GGUF model file's header before llama.cpp sees it.

llama.cpp answers every broken file with the same "Failed to load model from file"; this module finds the
specific reason first. It streams the header with gguf-py's constants instead of `gguf.GGUFReader`,
which materialises every array element (18 s for the demo model's 262k-token vocabulary here): arrays
are skipped, keeping only their length.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gguf.constants import (
    GGML_QUANT_SIZES,
    GGUF_DEFAULT_ALIGNMENT,
    GGUF_MAGIC,
    MODEL_ARCH_NAMES,
    GGMLQuantizationType,
    GGUFValueType,
)

from chatapp.core.errors import QT_TRANSLATE_NOOP, ModelFileError

SUPPORTED_VERSIONS = (2, 3)
KNOWN_ARCHITECTURES = frozenset(MODEL_ARCH_NAMES.values())
# Encoders and projectors that gguf-py knows but that cannot hold a chat on their own.
NOT_CHAT_ARCHITECTURES = frozenset({"clip", "bert", "nomic-bert", "jina-bert-v2", "t5encoder", "wavtokenizer-dec"})

_SCALAR_FORMATS: dict[GGUFValueType, str] = {
    GGUFValueType.UINT8: "<B",
    GGUFValueType.INT8: "<b",
    GGUFValueType.UINT16: "<H",
    GGUFValueType.INT16: "<h",
    GGUFValueType.UINT32: "<I",
    GGUFValueType.INT32: "<i",
    GGUFValueType.FLOAT32: "<f",
    GGUFValueType.BOOL: "<?",
    GGUFValueType.UINT64: "<Q",
    GGUFValueType.INT64: "<q",
    GGUFValueType.FLOAT64: "<d",
}
# file_type numbers (llama_ftype) to the names people know the quants by.
_FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M",
    18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S",
    25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M",
    32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4",
}


@dataclass(frozen=True)
class GGUFHeader:
    path: Path
    version: int
    file_size: int
    expected_size: int
    tensor_count: int
    metadata: dict[str, Any]  # scalars and strings; arrays appear as {"array_len": n}
    tensor_bytes: int = field(default=0)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    def arch_value(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(f"{self.architecture}.{key}", default)

    @property
    def name(self) -> str:
        """What people call the model: "SmolLM2 135M Instruct" (core/models/naming.py)."""
        from chatapp.core.models.naming import display_name

        return display_name(self.metadata, self.path)

    @property
    def context_length(self) -> int:
        return int(self.arch_value("context_length", 2048))

    @property
    def chat_template(self) -> str | None:
        value = self.metadata.get("tokenizer.chat_template")
        return value if isinstance(value, str) and value.strip() else None

    @property
    def quantization(self) -> str:
        ftype = self.metadata.get("general.file_type")
        return _FILE_TYPES.get(int(ftype), f"type {ftype}") if ftype is not None else "unknown"

    @property
    def parameter_count(self) -> int:
        """Estimated from tensor shapes (the header rarely states it)."""
        return int(self.metadata.get("_parameter_count", 0))

    def kv_cache_bytes(self, n_ctx: int) -> int:
        """f16 K and V for every layer at n_ctx tokens: what llama.cpp allocates on load."""
        n_layer = int(self.arch_value("block_count", 0))
        n_embd = int(self.arch_value("embedding_length", 0))
        n_head = int(self.arch_value("attention.head_count", 1) or 1)
        n_head_kv = int(self.arch_value("attention.head_count_kv", n_head) or n_head)
        head_dim = n_embd // n_head if n_head else 0
        k_len = int(self.arch_value("attention.key_length", head_dim))
        v_len = int(self.arch_value("attention.value_length", head_dim))
        return n_layer * n_ctx * n_head_kv * (k_len + v_len) * 2


_U64 = struct.Struct("<Q")


class _Cursor:
    """Little-endian reads over a mapped file, raising a 'truncated' error at the end of data."""

    def __init__(self, buf: mmap.mmap | bytes, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def _need(self, n: int) -> None:
        if self.pos + n > len(self.buf):
            raise ModelFileError(
                QT_TRANSLATE_NOOP("core", "{name} is incomplete: its header ends after {size:,} bytes. The download "
                                  "was probably interrupted; download the model again."),
                name=self.path.name, size=len(self.buf),
            )

    def scalar(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        self._need(size)
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        length = self.scalar("<Q")
        self._need(length)
        raw = bytes(self.buf[self.pos : self.pos + length])
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        length = self.scalar("<Q")
        self._need(length)
        self.pos += length

    def skip_strings(self, count: int) -> None:
        """`count` strings in a row (a vocabulary: 262,144 for Gemma 3), in one tight loop: only the
        lengths are read, and the end is checked once (a length running past it is 'truncated')."""
        buf, pos, end, length_at = self.buf, self.pos, len(self.buf), _U64.unpack_from
        try:
            for _ in range(count):
                pos += 8 + length_at(buf, pos)[0]
        except (struct.error, OverflowError):  # a length (or the sum of them) past the end of the file
            pos = end + 1
        self.pos = min(pos, end)
        if pos > end:
            self._need(pos - self.pos)

    def value(self, vtype: int) -> Any:
        try:
            kind = GGUFValueType(vtype)
        except ValueError:
            raise ModelFileError(
                QT_TRANSLATE_NOOP("core", "{name} has a damaged header (unknown value type {type}); download the "
                                  "model again."),
                name=self.path.name, type=vtype,
            ) from None
        if kind == GGUFValueType.STRING:
            return self.string()
        if kind == GGUFValueType.ARRAY:
            item_type = self.scalar("<I")
            count = self.scalar("<Q")
            if item_type == GGUFValueType.STRING:
                self.skip_strings(count)
            elif item_type in _SCALAR_FORMATS:
                size = struct.calcsize(_SCALAR_FORMATS[GGUFValueType(item_type)])
                self._need(size * count)
                self.pos += size * count
            else:
                for _ in range(count):
                    self.value(item_type)
            return {"array_len": count}
        return self.scalar(_SCALAR_FORMATS[kind])


def _open_checked(path: Path) -> int:
    if not path.exists():
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "Model file not found: {path}. Check the path, or run `chatapp models` to list "
                              "installed models."),
            path=path,
        )
    if path.is_dir():
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{path} is a folder, not a model file; pass the .gguf file inside it."),
            path=path)
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{name} is empty (0 bytes); download the model again."), name=path.name)
    return size


def read_header(path: str | Path, chat: bool = True, projector: bool = False) -> GGUFHeader:
    """Parse and validate the header; raise ModelFileError with the specific reason on any problem.
    `chat=False` accepts encoder-only files (BERT and the like: embedding models); `projector=True` reads
    a projector's (mmproj-*.gguf: clip encoders) without a model's checks of its contents."""
    path = Path(path).expanduser()
    file_size = _open_checked(path)
    try:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(_Cursor(buf, path), path, file_size, chat, check=not projector)
    except PermissionError:
        raise ModelFileError(QT_TRANSLATE_NOOP("core", "Cannot read {path}: permission denied. Check the file's "
                                               "permissions."), path=path) from None
    except OSError as exc:
        raise ModelFileError(QT_TRANSLATE_NOOP("core", "Cannot read {path}: {reason}."), path=path,
                             reason=exc.strerror or exc) from None


def _parse(cur: _Cursor, path: Path, file_size: int, chat: bool, check: bool = True) -> GGUFHeader:
    if file_size < 4 or struct.unpack_from("<I", cur.buf, 0)[0] != GGUF_MAGIC:
        start = bytes(cur.buf[:4])
        if start[:1] in (b"{", b"P") or start[4:]:
            raise ModelFileError(
                QT_TRANSLATE_NOOP("core", "{name} is not a GGUF model file (it starts with {start}, not b'GGUF'). It "
                                  "looks like a Safetensors/PyTorch file. chatapp runs GGUF models: download a GGUF "
                                  "build of this model."),
                name=path.name, start=repr(start),
            )
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{name} is not a GGUF model file (it starts with {start}, not b'GGUF'). "
                              "chatapp runs GGUF models: download a GGUF build of this model."),
            name=path.name, start=repr(start),
        )
    cur.pos = 4
    version = cur.scalar("<I")
    if version not in SUPPORTED_VERSIONS:
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{name} uses GGUF version {version}, which chatapp cannot read (it reads "
                              "versions 2 and 3). Download a current GGUF conversion of the model."),
            name=path.name, version=version,
        )
    tensor_count = cur.scalar("<Q")
    kv_count = cur.scalar("<Q")
    if tensor_count > 1_000_000 or kv_count > 1_000_000:
        raise ModelFileError(QT_TRANSLATE_NOOP("core", "{name} has a damaged header (implausible counts); download "
                                               "the model again."), name=path.name)
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = cur.string()
        metadata[key] = cur.value(cur.scalar("<I"))

    data_end = 0
    params = 0
    for _ in range(tensor_count):
        name = cur.string()
        n_dims = cur.scalar("<I")
        if n_dims > 8:
            raise ModelFileError(QT_TRANSLATE_NOOP("core", "{file} has a damaged tensor table ({tensor}); download "
                                                   "the model again."), file=path.name, tensor=name)
        dims = [cur.scalar("<Q") for _ in range(n_dims)]
        ggml_type = cur.scalar("<I")
        offset = cur.scalar("<Q")
        try:
            block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(ggml_type)]
        except (ValueError, KeyError):
            raise ModelFileError(
                QT_TRANSLATE_NOOP("core", "{name} uses a tensor type ({type}) this version of chatapp does not know; "
                                  "update chatapp or pick another quantization."),
                name=path.name, type=ggml_type,
            ) from None
        n_elements = 1
        for d in dims:
            n_elements *= d
        params += n_elements
        data_end = max(data_end, offset + n_elements // block * type_size)

    alignment = int(metadata.get("general.alignment", GGUF_DEFAULT_ALIGNMENT) or GGUF_DEFAULT_ALIGNMENT)
    data_start = -(-cur.pos // alignment) * alignment
    expected = data_start + data_end
    metadata["_parameter_count"] = params
    header = GGUFHeader(path, version, file_size, expected, tensor_count, metadata, data_end)
    if check:
        _check_contents(header, chat)
    return header


def _check_contents(h: GGUFHeader, chat: bool) -> None:
    name = h.path.name
    if h.file_size < h.expected_size:
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{name} is incomplete: expected {expected:,} bytes but the file has "
                              "{actual:,}. Download the model again."),
            name=name, expected=h.expected_size, actual=h.file_size,
        )
    split_count = int(h.metadata.get("split.count", 1) or 1)
    if split_count > 1 and int(h.metadata.get("split.no", 0)) != 0:
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{name} is part {part} of {parts} of a split model; open the first part "
                              "(…-00001-of-…gguf) with all parts in the same folder."),
            name=name, part=int(h.metadata["split.no"]) + 1, parts=split_count,
        )
    arch = h.metadata.get("general.architecture")
    if not isinstance(arch, str):
        raise ModelFileError(QT_TRANSLATE_NOOP("core", "{name} does not say which model architecture it holds; it "
                                               "cannot be loaded."), name=name)
    if arch not in KNOWN_ARCHITECTURES:
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{name} holds a '{arch}' model, an architecture this version of llama.cpp does "
                              "not support. Update chatapp or pick another model."),
            name=name, arch=arch,
        )
    if chat and h.metadata.get(f"{arch}.pooling_type") not in (None, 0):
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{name} is an embedding model, for document collections, not a chat model; "
                              "use it with: chatapp docs add NAME FOLDER --embedding-model {name}"),
            name=name,
        )
    if h.metadata.get("general.type") in ("mmproj", "adapter") or (chat and arch in NOT_CHAT_ARCHITECTURES):
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "{name} is a '{arch}' {kind} file, not a chat model; open the main "
                              "language-model GGUF instead."),
            name=name, arch=arch, kind=h.metadata.get("general.type", "encoder"),
        )
