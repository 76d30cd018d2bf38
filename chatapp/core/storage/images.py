"""Images attached to messages, kept beside the history as files named by their SHA-256.

Content-addressed: the same picture sent twice (or kept by a regenerated, edited or imported message)
is one file, and a message row stores only the hashes. A file is written under a temporary name and
renamed, so a crash leaves either the whole image or none; a message whose image went missing is
shown and sent without it (logged), never refused. Deleting messages deletes the files no message
names any more (HistoryStore.delete_conversation / delete_message).
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.types import Attachment

log = logging.getLogger(__name__)

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/bmp": "bmp",
               "audio/wav": "wav", "audio/mpeg": "mp3", "audio/flac": "flac"}  # recordings are kept alike


@dataclass(frozen=True)
class ImageRef:
    """An image as a message row names it."""

    sha256: str
    mime: str

    def to_dict(self) -> dict[str, str]:
        return {"sha256": self.sha256, "mime": self.mime}


class ImageStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, ref: ImageRef) -> Path:
        return self._folder_of(ref.sha256) / f"{ref.sha256}.{_EXTENSIONS.get(ref.mime, 'img')}"

    def _folder_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")  # never a path built from outside text
        return self.folder / sha256[:2]

    def save(self, image: Attachment) -> ImageRef:
        ref = ImageRef(image.sha256, image.mime)
        target = self.path(ref)
        if target.is_file():
            return ref
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(image.data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            raise KnownError(QT_TRANSLATE_NOOP("core", "The image could not be saved in {folder} ({reason}); free "
                                               "some disk space and send it again."),
                             folder=self.folder, reason=exc.strerror or str(exc)) from None
        return ref

    def remove(self, sha256: str) -> None:
        """Delete an image's file (whatever its extension); nothing when it is not there."""
        for path in self._folder_of(sha256).glob(f"{sha256}.*"):
            try:
                path.unlink()
            except OSError as exc:
                log.warning("image %s could not be deleted: %s", path, exc)

    def load(self, ref: ImageRef) -> Attachment | None:
        try:
            data = self.path(ref).read_bytes()
        except (OSError, ValueError) as exc:
            log.warning("image %s of a message is missing (%s); the message goes without it", ref.sha256[:12], exc)
            return None
        return Attachment(data, ref.sha256, ref.mime)
