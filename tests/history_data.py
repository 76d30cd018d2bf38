"""A history store on a real SQLite file and a small conversation in it, shared by the history tests."""

from __future__ import annotations

import struct
import zlib

from chatapp.core.images import image_from_bytes
from chatapp.core.storage.history import HistoryStore
from chatapp.core.types import Attachment

CHINESE = "大语言模型是具有数十亿参数的深度学习模型。我用Python写了一个量化脚本，显存只有8GB。"


def chat(store: HistoryStore) -> tuple[str, list[str]]:
    """A conversation of two questions and their replies; returns its id and the message ids."""
    conv = store.create_conversation(model="demo", settings={"temperature": 0.7}, system_prompt="Be brief.")
    ids, parent = [], None
    for role, text in [("user", "What is Python?"), ("assistant", "A programming language."),
                       ("user", "Who made it?"), ("assistant", "Guido van Rossum.")]:
        parent = store.add_message(conv.id, role, text, parent_id=parent).id
        ids.append(parent)
    return conv.id, ids


def picture(rgb: tuple[int, int, int], width: int = 8, height: int = 8) -> Attachment:
    """A real PNG of one colour, written by hand, as an image a message carries."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return image_from_bytes(data, f"{rgb}.png")
