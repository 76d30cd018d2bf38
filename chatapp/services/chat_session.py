"""What a user does in a chat, on the GUI thread: send, stop, regenerate, edit, switch branches.

Ties the history store (what is said) to the inference controller (who says it). Every message goes
to disk before the model sees it; a reply is saved as it streams (at most PARTIAL_SAVE_INTERVAL_S
behind) and finished with its stats, so closing or crashing never loses a finished message.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core import reasoning
from chatapp.core.errors import KnownError
from chatapp.core.runtime import templates
from chatapp.core.runtime.templates import ChatTemplate
from chatapp.core.storage.history import (
    CANCELLED,
    COMPLETE,
    INTERRUPTED,
    STREAMING,
    Conversation,
    HistoryStore,
    StoredMessage,
    to_engine_messages,
)
from chatapp.core.storage.settings import AppSettings, save_settings
from chatapp.core.types import GenerationStats, LoadOptions, Message, ModelSummary, SamplingParams
from chatapp.services.i18n import user_message
from chatapp.services.inference import Augment, InferenceController, Preview, is_cancelled

if TYPE_CHECKING:
    from chatapp.services.documents_service import DocumentsService

log = logging.getLogger(__name__)
PARTIAL_SAVE_INTERVAL_S = 1.0
DOCUMENTS_KEY = "documents"  # in a conversation's settings: the collections it answers from


F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(method: F) -> F:
    """A user action or worker signal that hits a KnownError (e.g. the disk filled up while saving)
    shows the error in the window instead of escaping into Qt's event loop."""

    @functools.wraps(method)
    def wrapper(self: ChatSession, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except KnownError as exc:
            self.errorOccurred.emit(user_message(exc))
            return False

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class ChatSettings:
    """The settings a conversation carries (defaults come from the app settings)."""

    sampling: SamplingParams
    template: str  # "auto", a preset name, or "custom"
    custom_template: str
    system_prompt: str

    def chat_template(self) -> ChatTemplate | None:
        if self.template == "custom":
            return templates.custom(self.custom_template)
        return templates.from_choice(self.template)

    def to_store(self) -> dict[str, object]:
        return {**self.sampling.to_dict(), "template": self.template, "custom_template": self.custom_template}


class ChatSession(QObject):
    conversationsChanged = Signal()
    conversationOpened = Signal(object)  # Conversation or None (a new, unsaved chat)
    pathChanged = Signal(list)  # list[StoredMessage]: redraw the chat
    replyStarted = Signal(object)  # StoredMessage (the assistant placeholder)
    replyDelta = Signal(str, str)  # message id, new text
    replyFinished = Signal(object)  # StoredMessage, final
    errorOccurred = Signal(str)
    busyChanged = Signal()  # read `busy`

    def __init__(
        self, store: HistoryStore, inference: InferenceController, settings: AppSettings, settings_path: Path,
    ) -> None:
        super().__init__()
        self._shut_down = False
        self.store = store
        self.inference = inference
        self.app_settings = settings
        self.settings_path = settings_path
        self.conversation: Conversation | None = None
        self.path: list[StoredMessage] = []
        self._reply: StoredMessage | None = None
        self._reply_prefix = ""
        self._reply_text: list[str] = []
        self._reply_started = 0.0
        self._thinking_s: float | None = None  # seconds until a reasoning model closed its thinking
        self._last_save = 0.0
        self._save_failed = False
        self._request_id = 0
        # Chat with documents: the service (set by the window) and the collections of a chat not yet saved.
        self.documents_service: DocumentsService | None = None
        self._new_chat_documents: list[str] = []
        self._augmented: dict[str, object] = {}
        inference.replyTokens.connect(self._on_tokens)
        inference.replyAugmented.connect(self._on_augmented)
        inference.replyFinished.connect(self._on_finished)
        inference.replyFailed.connect(self._on_failed)
        inference.modelLoaded.connect(self._on_model_loaded)

    # ----- settings ------------------------------------------------------------------------------------
    def settings(self) -> ChatSettings:
        d = self.app_settings
        defaults = ChatSettings(d.sampling, d.template, d.custom_template, d.system_prompt)
        if self.conversation is None:
            return defaults
        stored = dict(self.conversation.settings)
        stored.pop(DOCUMENTS_KEY, None)
        template = str(stored.pop("template", self.conversation.template or defaults.template))
        custom = str(stored.pop("custom_template", defaults.custom_template))
        try:
            sampling = SamplingParams(**{**defaults.sampling.to_dict(), **stored})
        except (KnownError, TypeError):
            sampling = defaults.sampling
        return ChatSettings(sampling, template, custom, self.conversation.system_prompt)

    def apply_settings(self, chat: ChatSettings) -> None:
        """Used from the next reply on; also becomes the default for new chats."""
        chat.chat_template()  # raises TemplateError for a bad custom template before anything is saved
        self.keep_app_settings(sampling=chat.sampling, template=chat.template, custom_template=chat.custom_template,
                               system_prompt=chat.system_prompt)
        if self.conversation is not None:
            self.conversation = self.store.update_conversation(
                self.conversation.id, settings={**chat.to_store(), DOCUMENTS_KEY: self.documents()},
                template=chat.template, system_prompt=chat.system_prompt,
            )

    def documents(self) -> list[str]:
        """The document collections this chat answers from."""
        if self.conversation is None:
            return list(self._new_chat_documents)
        return [str(n) for n in self.conversation.settings.get(DOCUMENTS_KEY, [])]

    @reports_errors
    def set_documents(self, names: list[str]) -> None:
        self._new_chat_documents = list(names)
        if self.conversation is not None:
            self.conversation = self.store.update_conversation(
                self.conversation.id, settings={**self.conversation.settings, DOCUMENTS_KEY: list(names)})

    def _augment(self) -> Augment | None:
        names = self.documents()
        if not names or self.documents_service is None:
            return None
        return self.documents_service.augmenter(names)

    def apply_load_options(self, options: LoadOptions) -> None:
        self.keep_app_settings(load=options)

    def keep_app_settings(self, **changes: Any) -> None:
        """Change app-wide settings and save them (the session owns them, so one save never drops
        another's change)."""
        self.app_settings = self.app_settings.with_changes(**changes)
        save_settings(self.settings_path, self.app_settings)

    def load_model(self, path: Path) -> None:
        try:
            template = self.settings().chat_template()
        except KnownError as exc:
            self.errorOccurred.emit(user_message(exc))
            template = None
        self.inference.load_model(path, self.app_settings.load, template)

    @Slot(object)
    def _on_model_loaded(self, summary: ModelSummary) -> None:
        if summary.architecture == "remote":  # a server is chosen each session; the local model is the default
            return
        self.keep_app_settings(last_model=summary.path)

    def request_preview(self, chat: ChatSettings, draft: str) -> None:
        """Render the prompt the next reply would get (with `draft` as the new message)."""
        try:
            template = chat.chat_template()
        except KnownError as exc:
            self.inference.previewReady.emit(Preview(0, "", 0, "", user_message(exc)))
            return
        messages = [*to_engine_messages(chat.system_prompt, self.path), Message("user", draft or "…")]
        self.inference.preview(messages, template, self._augment() if draft else None)

    # ----- conversations --------------------------------------------------------------------------------
    @reports_errors
    def new_conversation(self) -> None:
        self.stop()
        self.conversation = None
        self.path = []
        self.conversationOpened.emit(None)
        self.pathChanged.emit(self.path)

    @reports_errors
    def open_conversation(self, conv_id: str) -> None:
        self.stop()
        self.conversation = self.store.conversation(conv_id)
        self.path = self.store.active_path(conv_id)
        self.conversationOpened.emit(self.conversation)
        self.pathChanged.emit(self.path)

    @reports_errors
    def open_at(self, conv_id: str, message_id: str) -> None:
        """Open a conversation on the branch that holds `message_id` (a search hit)."""
        self.open_conversation(conv_id)
        if message_id not in {m.id for m in self.path}:
            self.path = self.store.switch_to(message_id)
            self.pathChanged.emit(self.path)

    @reports_errors
    def rename(self, conv_id: str, title: str) -> None:
        self.store.update_conversation(conv_id, title=title.strip() or "Untitled")
        self.conversationsChanged.emit()

    @reports_errors
    def delete(self, conv_id: str) -> None:
        if self.conversation is not None and self.conversation.id == conv_id:
            self.new_conversation()
        self.store.delete_conversation(conv_id)
        self.conversationsChanged.emit()

    # ----- chatting ---------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._reply is not None

    @reports_errors
    def send(self, text: str) -> bool:
        """Save the message and ask for a reply. False (and an error signal) if it cannot be sent now."""
        if not text.strip():
            return False
        if not self._ready():
            return False
        if self.conversation is None:
            chat = self.settings()
            self.conversation = self.store.create_conversation(
                model=self._model_name(), settings={**chat.to_store(), DOCUMENTS_KEY: self._new_chat_documents},
                system_prompt=chat.system_prompt, template=chat.template,
            )
            self.conversationOpened.emit(self.conversation)
        parent = self.path[-1].id if self.path else None
        user = self.store.add_message(self.conversation.id, "user", text, parent_id=parent)
        self.path = [*self.path, user]
        self.conversationsChanged.emit()
        self.pathChanged.emit(self.path)
        self._start_reply(parent_id=user.id)
        return True

    @reports_errors
    def regenerate(self) -> None:
        """A new sibling for the last reply (the old one stays, one ‹ › click away)."""
        if not self.path or not self._ready():
            return
        last = self.path[-1]
        if last.role == "assistant":
            self.path = self.path[:-1]
        if not self.path:
            return
        self.pathChanged.emit(self.path)
        self._start_reply(parent_id=self.path[-1].id)

    @reports_errors
    def edit(self, msg_id: str, new_text: str) -> None:
        """Resend an earlier user message, changed, as a new branch from the same point."""
        if not new_text.strip() or not self._ready() or self.conversation is None:
            return
        index = next(i for i, m in enumerate(self.path) if m.id == msg_id)
        edited = self.store.add_message(
            self.conversation.id, "user", new_text, parent_id=self.path[index].parent_id
        )
        self.path = [*self.path[:index], edited]
        self.pathChanged.emit(self.path)
        self._start_reply(parent_id=edited.id)

    @reports_errors
    def continue_reply(self, msg_id: str) -> None:
        """Carry on an interrupted reply from where it stopped."""
        if not self._ready() or self.conversation is None:
            return
        index = next(i for i, m in enumerate(self.path) if m.id == msg_id)
        self._start_reply(parent_id=self.path[index].parent_id, continuing=self.path[index])

    @reports_errors
    def switch_branch(self, msg_id: str, step: int) -> None:
        if self.busy:
            return
        branch = self.store.branch(msg_id)
        target = branch.index + step
        if 0 <= target < branch.count:
            self.path = self.store.switch_to(branch.sibling_ids[target])
            self.pathChanged.emit(self.path)

    def stop(self) -> None:
        if self.busy:
            self.inference.cancel()

    # ----- the reply in flight -------------------------------------------------------------------------------
    def _ready(self) -> bool:
        if self.busy:
            self.errorOccurred.emit(self.tr("A reply is still being written; stop it first."))
            return False
        if self.inference.summary is None:
            self.errorOccurred.emit(
                self.tr("No model is loaded yet; open one with Models… (Ctrl+M) or Ctrl+O, then send again.")
                if not self.inference.loading else self.tr("The model is still loading; send again when it is ready.")
            )
            return False
        return True

    def _model_name(self) -> str:
        return self.inference.summary.name if self.inference.summary else ""

    def _start_reply(self, parent_id: str | None, continuing: StoredMessage | None = None) -> None:
        assert self.conversation is not None
        chat = self.settings()
        try:
            template = chat.chat_template()
        except KnownError as exc:
            self.errorOccurred.emit(user_message(exc))
            return
        history = self.path if continuing is None else self.path[: self.path.index(continuing)]
        messages = to_engine_messages(chat.system_prompt, history)
        if continuing is not None:
            self._reply = continuing
            self._reply_prefix = continuing.content
            self.store.update_message(continuing.id, status=STREAMING)
        else:
            self._reply = self.store.add_message(
                self.conversation.id, "assistant", "", parent_id=parent_id, status=STREAMING,
                model=self._model_name(),
            )
            self._reply_prefix = ""
            self.path = [*self.path, self._reply]
        self._reply_text = []
        self._save_failed = False
        self._last_save = time.monotonic()
        self._reply_started = time.monotonic()
        self._thinking_s = None
        self._augmented = {}
        self._request_id = self.inference.send(messages, chat.sampling, template, reply_prefix=self._reply_prefix,
                                               augment=self._augment())
        self.replyStarted.emit(self._reply)
        self.busyChanged.emit()

    @Slot(int, object)
    def _on_augmented(self, request_id: int, extra: dict[str, object]) -> None:
        if self._reply is not None and request_id == self._request_id:
            self._augmented = extra

    @Slot(int, str)
    def _on_tokens(self, request_id: int, text: str) -> None:
        if self._reply is None or request_id != self._request_id:
            return
        tail = self._reply_text[-1][-len(reasoning.CLOSE):] if self._reply_text else ""
        self._reply_text.append(text)
        if self._thinking_s is None and reasoning.CLOSE in tail + text:
            self._thinking_s = time.monotonic() - self._reply_started
        self.replyDelta.emit(self._reply.id, text)
        if time.monotonic() - self._last_save >= PARTIAL_SAVE_INTERVAL_S:
            self._last_save = time.monotonic()
            try:
                self.store.update_message(self._reply.id, content=self._current_text())
            except KnownError as exc:  # keep streaming; the reply is still on screen and in memory
                if not self._save_failed:
                    self.errorOccurred.emit(user_message(exc))
                self._save_failed = True

    def _current_text(self) -> str:
        return self._reply_prefix + "".join(self._reply_text)

    @Slot(int, object)
    def _on_finished(self, request_id: int, stats: GenerationStats | None) -> None:
        if self._reply is None or request_id != self._request_id:
            return
        status = CANCELLED if is_cancelled(stats) else COMPLETE
        stats_dict = stats.to_dict() if stats else {}
        if stats:
            stats_dict["model"] = self._model_name()
            if self._thinking_s is not None:
                stats_dict["thinking_s"] = round(self._thinking_s, 1)
        self._finish(status, {**stats_dict, **self._augmented})

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if self._reply is None or request_id != self._request_id:
            return
        reply = self._reply
        if not self._current_text() and not self._reply_prefix:
            # Nothing was written: drop the empty placeholder; the user's message stays, ready to resend.
            # If even that fails, the row stays "streaming" and shows as interrupted next time.
            with contextlib.suppress(KnownError):
                self.store.delete_message(reply.id)
            self.path = [m for m in self.path if m.id != reply.id]
            self._reply = None
            self.pathChanged.emit(self.path)
            self.busyChanged.emit()
        else:
            self._finish(INTERRUPTED, {})
        self.errorOccurred.emit(message)

    def _finish(self, status: str, stats: dict[str, object]) -> None:
        assert self._reply is not None
        final = replace(self._reply, content=self._current_text(), status=status, stats=stats)
        try:
            self.store.update_message(self._reply.id, content=final.content, status=status, stats=stats)
        except KnownError as exc:  # shown as written; the store keeps its last partial save
            self.errorOccurred.emit(user_message(exc))
        self.path = [final if m.id == final.id else m for m in self.path]
        self._reply = None
        self.replyFinished.emit(final)
        self.busyChanged.emit()
        self.conversationsChanged.emit()

    def shutdown(self) -> None:
        """Save what has been written of a reply in flight; ignore anything the worker still sends.
        Idempotent: a window can be closed twice (the user, then the test harness or the app's exit)."""
        if self._shut_down:
            return
        self._shut_down = True
        if self._reply is not None:
            self.store.update_message(self._reply.id, content=self._current_text(), status=INTERRUPTED)
            self._reply = None
        self.inference.replyTokens.disconnect(self._on_tokens)
        self.inference.replyFinished.disconnect(self._on_finished)
        self.inference.replyFailed.disconnect(self._on_failed)
        self.inference.modelLoaded.disconnect(self._on_model_loaded)
