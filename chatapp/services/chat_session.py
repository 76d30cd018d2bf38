"""What a user does in a chat, on the GUI thread: send, stop, regenerate, edit, switch branches.

A turn — the user's message, the reply streamed and saved as it goes, its end — is run by the core
turn runner on the turn thread (services/turns.py), as `chatapp chat` runs it in the terminal; this
class says which turn to run (a new message, an edit, a regeneration, a continuation), keeps the
branch shown (`path`) and the chat's settings, and turns the runner's reports into signals for the
window.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core.chat_settings import ChatSettings, SettingsLayer, resolve
from chatapp.core.errors import KnownError
from chatapp.core.presets import Preset
from chatapp.core.reasoning import split_prefix
from chatapp.core.runtime.json_grammar import check_schema_text
from chatapp.core.storage.history import (
    INTERRUPTED,
    Conversation,
    HistoryStore,
    Project,
    StoredMessage,
    to_engine_messages,
)
from chatapp.core.storage.history.records import PROJECT_MODEL, PROJECT_PRESET
from chatapp.core.storage.history.token_view import TokenView
from chatapp.core.storage.settings import AppSettings, save_settings
from chatapp.core.turns.record import NewConversation
from chatapp.core.turns.turn import Augment, Turn, TurnOutcome
from chatapp.core.types import Attachment, LoadOptions, Message, ModelSummary
from chatapp.services.i18n import user_message
from chatapp.services.inference import InferenceController, Preview
from chatapp.services.turns import Failed, Opened, TurnService

if TYPE_CHECKING:
    from chatapp.services.documents_service import DocumentsService
    from chatapp.services.tools_service import ToolsService, WindowPermission

log = logging.getLogger(__name__)
PARTIAL_SAVE_INTERVAL_S = 1.0
# With the window's API server on, a model is loaded for this many API requests at once beside the chat
# (and Gemma-style sliding-window caches at full size, which several sequences need).
WINDOW_API_PARALLEL = 4
# With View → "Keep how each token is chosen": the model's likeliest tokens kept for each token of a reply.
TOKEN_VIEW_CANDIDATES = 10
# What the side panel sets (the chat's documents and tools are set elsewhere and must survive its changes).
PANEL_FIELDS = ("sampling", "template", "custom_template", "system_prompt", "output_schema", "voice", "voice_speed")
# What a preset saved from a chat holds (its documents belong to the chat, not to a way of chatting).
PRESET_FIELDS = (*PANEL_FIELDS, "tool_servers", "tool_choice")


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


class ChatSession(QObject):
    conversationsChanged = Signal()
    conversationOpened = Signal(object)  # Conversation or None (a new, unsaved chat)
    pathChanged = Signal(list)  # list[StoredMessage]: redraw the chat
    replyStarted = Signal(object)  # StoredMessage (the assistant placeholder)
    replyDelta = Signal(str, str, str)  # message id, more thinking, more answer
    replyFinished = Signal(object)  # StoredMessage, final
    unsent = Signal(str)  # a message that could not even be saved: back to the message box
    toolResult = Signal(object)  # StoredMessage: a tool call's result, shown as a card
    errorOccurred = Signal(str)
    busyChanged = Signal()  # read `busy`

    def __init__(
        self, store: HistoryStore, inference: InferenceController, turns: TurnService, settings: AppSettings,
        settings_path: Path,
    ) -> None:
        super().__init__()
        self._shut_down = False
        self.store = store
        self.inference = inference
        self.turns = turns
        self.app_settings = settings
        self.settings_path = settings_path
        self.conversation: Conversation | None = None
        self.path: list[StoredMessage] = []
        self._turn_id = 0
        self._turn_text: str | None = None  # the message being sent, until the turn has saved it
        self._reply: StoredMessage | None = None
        self._save_failed = False
        # Chat with documents: the service (set by the window) and the collections of a chat not yet saved.
        self.documents_service: DocumentsService | None = None
        self._new_chat = SettingsLayer()  # the settings layer of a chat not saved yet
        self._new_project: str | None = None  # ...and the project it is started in
        self.tools_service: ToolsService | None = None  # set by the window with the permission that asks
        # The presets a project's default preset is found among (set by the window with its preset picker).
        self.presets: Callable[[], list[Preset]] = list
        self.permission: WindowPermission | None = None
        self.turns.opened.connect(self._on_opened)
        self.turns.delta.connect(self._on_delta)
        self.turns.saveFailed.connect(self._on_save_failed)
        self.turns.replyDone.connect(self._on_reply_done)
        self.turns.toolDone.connect(self._on_tool_done)
        self.turns.finished.connect(self._on_finished)
        self.turns.failed.connect(self._on_failed)
        inference.modelLoaded.connect(self._on_model_loaded)

    # ----- settings ------------------------------------------------------------------------------------
    def _defaults(self) -> ChatSettings:
        """The bottom layer: the app's defaults (the last used settings)."""
        d = self.app_settings
        return ChatSettings(d.sampling, d.template, d.custom_template, d.system_prompt)

    def _layer(self) -> SettingsLayer:
        """This chat's own layer: what it sets over the defaults (a chat not saved yet keeps it in memory)."""
        if self.conversation is None:
            return self._new_chat
        layer, problems = SettingsLayer.from_store(self.conversation.settings,
                                                   f"conversation {self.conversation.id} settings: ")
        for problem in problems:
            log.warning("%s", problem)
        # In a project, a chat without a system prompt of its own takes the project's instructions.
        own_prompt = self.conversation.system_prompt
        if self.conversation.project_id is not None:  # what it does not set itself comes from its project
            return replace(layer, system_prompt=own_prompt or None)
        return replace(layer, system_prompt=own_prompt,
                       template=layer.template if layer.template is not None else self.conversation.template or None)

    @reports_errors
    def create_project(self, name: str) -> Project:
        project = self.store.create_project(name)
        self.conversationsChanged.emit()
        return project

    @reports_errors
    def update_project(self, project_id: str, name: str, instructions: str, preset: str | None = None,
                       model: str | None = None, documents: list[str] | None = None,
                       tool_servers: list[str] | None = None) -> None:
        """Rename it and set its instructions. `preset` and `model` (a name, a file; "" for none) become its
        chats' defaults, `documents` and `tool_servers` the collections and tools all its chats use; None
        leaves each as it is."""
        settings: dict[str, Any] = {}
        if documents is not None:
            settings["documents"] = documents
        if tool_servers is not None:
            settings["tool_servers"] = tool_servers
        if preset is not None:
            settings[PROJECT_PRESET] = preset
        if model is not None:
            settings[PROJECT_MODEL] = model
        self.store.update_project(project_id, name=name, instructions=instructions, settings=settings or None)
        self.conversationsChanged.emit()

    def project_model(self) -> Path | None:
        """The model this chat's project answers with, if it names one."""
        project = self._project()
        return Path(project.model) if project is not None and project.model else None

    @reports_errors
    def delete_project(self, project_id: str) -> None:
        """The project goes; its chats stay (the one open, too), outside any project."""
        self.store.delete_project(project_id)
        if self.conversation is not None and self.conversation.project_id == project_id:
            self.conversation = self.store.conversation(self.conversation.id)
        if self._new_project == project_id:
            self._new_project = None
        self.conversationsChanged.emit()

    @reports_errors
    def move_to_project(self, conv_id: str, project_id: str | None) -> None:
        """Into a project (its instructions and settings apply from the next reply), or out of any."""
        moved = self.store.move_conversation(conv_id, project_id)
        if self.conversation is not None and self.conversation.id == conv_id:
            self.conversation = moved
        self.conversationsChanged.emit()

    def project_id(self) -> str | None:
        return self.conversation.project_id if self.conversation is not None else self._new_project

    def _project(self) -> Project | None:
        """This chat's project (None outside one, or when it went)."""
        project_id = self.project_id()
        if project_id is None:
            return None
        try:
            return self.store.project(project_id)
        except KnownError:
            return None

    def _project_layer(self) -> SettingsLayer:
        """The layer between the defaults and the chat: its project's preset, then its own settings and
        instructions (the instructions win over the preset's system prompt; none outside a project)."""
        project = self._project()
        if project is None:
            return SettingsLayer()
        layer, problems = SettingsLayer.from_store(project.settings, f"project {project.id} settings: ")
        for problem in problems:
            log.warning("%s", problem)
        if project.preset:
            preset = next((p for p in self.presets() if p.name == project.preset), None)
            if preset is None:
                log.warning("project %s: its preset %r is gone; its own settings apply", project.id, project.preset)
            else:
                layer = layer.over(preset.layer)
        return replace(layer, system_prompt=project.instructions or layer.system_prompt)

    def settings(self) -> ChatSettings:
        """What the next reply in this chat uses, every layer applied: the app's defaults, its project's,
        its own."""
        return resolve(self._defaults(), self._project_layer(), self._layer())

    def _write(self, layer: SettingsLayer) -> None:
        """Merge `layer` into this chat's own: what it sets changes, nothing else."""
        if self.conversation is None:
            self._new_chat = layer.over(self._new_chat)
            return
        columns: dict[str, Any] = {}
        if layer.system_prompt is not None:
            columns["system_prompt"] = layer.system_prompt
        if layer.template is not None:
            columns["template"] = layer.template
        self.conversation = self.store.update_conversation(self.conversation.id, settings=layer.to_store(),
                                                           **columns)

    def apply_settings(self, chat: ChatSettings) -> None:
        """The side panel's settings (sampling, template, system prompt, output), used from the next reply
        on; also the default for new chats. The chat's documents and tools are left as they are."""
        chat.chat_template()  # raises TemplateError for a bad custom template before anything is saved
        check_schema_text(chat.output_schema)  # ...and SchemaError for a schema that is not one
        self.keep_app_settings(sampling=chat.sampling, template=chat.template, custom_template=chat.custom_template,
                               system_prompt=chat.system_prompt)
        layer = SettingsLayer.of(chat, *PANEL_FIELDS)
        if self.project_id() is not None:  # a project's chat keeps only what differs from its project
            layer = layer.beyond(resolve(self._defaults(), self._project_layer()), self._layer())
        self._write(layer)

    def apply_preset(self, preset: Preset) -> None:
        """A preset's settings become this chat's (what it does not set stays as it is); raises KnownError
        for a preset whose template or schema cannot be used, before anything changes."""
        chosen = resolve(self.settings(), preset.layer)
        chosen.chat_template()
        check_schema_text(chosen.output_schema)
        self._write(preset.layer)

    def as_preset(self, name: str) -> Preset:
        """This chat's settings as a preset: system prompt, template, sampling, structured output, tools."""
        return Preset(name.strip(), SettingsLayer.of(self.settings(), *PRESET_FIELDS))

    def documents(self) -> list[str]:
        """The document collections this chat answers from."""
        return list(self.settings().documents)

    def tool_servers(self) -> list[str]:
        """The MCP servers whose tools this chat may call (none unless turned on for it)."""
        return list(self.settings().tool_servers)

    def tool_choice(self) -> str:
        return self.settings().tool_choice

    @reports_errors
    def set_tool_required(self, required: bool) -> None:
        """Whether each reply of this chat must start with a tool call."""
        self._write(SettingsLayer(tool_choice="required" if required else "auto"))

    @reports_errors
    def set_tool_servers(self, names: list[str]) -> None:
        self._write(SettingsLayer(tool_servers=tuple(names)))

    @reports_errors
    def set_documents(self, names: list[str]) -> None:
        self._write(SettingsLayer(documents=tuple(names)))

    def _augment(self) -> Augment | None:
        """The documents' augment step, run on the model thread (which owns llama.cpp's decoding)."""
        names = self.documents()
        if not names or self.documents_service is None:
            return None
        augment = self.documents_service.augmenter(names)
        host = self.inference.host
        return lambda messages: host.call(lambda _engine: augment(messages))

    def apply_load_options(self, options: LoadOptions) -> None:
        self.keep_app_settings(load=options)

    def keep_app_settings(self, **changes: Any) -> None:
        """Change app-wide settings and save them (the session owns them, so one save never drops
        another's change)."""
        self.app_settings = self.app_settings.with_changes(**changes)
        save_settings(self.settings_path, self.app_settings)

    def load_model(self, path: Path) -> None:
        options = self.app_settings.load
        if self.app_settings.api_server:  # API requests beside the window's chat, batched with it
            options = replace(options, parallel=WINDOW_API_PARALLEL)
        self.inference.load_model(path, options)

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
        messages = [*to_engine_messages(chat.system_prompt, self.path, self.store.images),
                    Message("user", draft or "…")]
        names = self.documents()
        augment = self.documents_service.augmenter(names) if draft and names and self.documents_service else None
        try:
            output = chat.output_format()
        except KnownError as exc:
            self.inference.previewReady.emit(Preview(0, "", 0, "", user_message(exc)))
            return
        self.inference.preview(messages, template, augment, output)

    # ----- conversations --------------------------------------------------------------------------------
    @reports_errors
    def new_conversation(self, project_id: str | None = None) -> None:
        """A new chat (in a project: its instructions and settings apply), saved with its first message."""
        self.stop()
        self.conversation = None
        self._new_chat = SettingsLayer()
        self._new_project = project_id
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
    def delete(self, conv_id: str) -> None:
        if self.conversation is not None and self.conversation.id == conv_id:
            self.new_conversation()
        self.store.delete_conversation(conv_id)
        self.conversationsChanged.emit()

    # ----- chatting ---------------------------------------------------------------------------------------
    @reports_errors
    def send(self, text: str, images: tuple[Attachment, ...] = ()) -> bool:
        """Send a message (saved by the turn before the model sees it), with its images. False (and an
        error signal) if it cannot be sent now."""
        if not (text.strip() or images) or not self._ready():
            return False
        if any(a.kind == "image" for a in images) and not self.inference.sees_images:
            self.errorOccurred.emit(self.tr(
                "{model} cannot see images: load a model that has a vision projector (mmproj) beside it, or send "
                "the message without them.").format(model=self._model_name()))
            return False
        if any(a.kind == "audio" for a in images) and not self.inference.hears_audio:
            self.errorOccurred.emit(self.tr(
                "{model} cannot listen to recordings: load a model with an audio projector (Ultravox, Qwen2-Audio, "
                "Voxtral…), or send the message without them (the microphone button writes what you say as "
                "text).").format(model=self._model_name()))
            return False
        parent = self.path[-1].id if self.path else None
        self._start(self.path, user_text=text, parent_id=parent, user_images=images)
        return True

    @reports_errors
    def regenerate(self) -> None:
        """A new sibling for the last reply (the old one stays, one ‹ › click away)."""
        if not self.path or not self._ready():
            return
        path = self.path[:-1] if self.path[-1].role == "assistant" else self.path
        if not path:
            return
        self.path = path
        self.pathChanged.emit(self.path)
        self._start(path, parent_id=path[-1].id)

    @reports_errors
    def edit(self, msg_id: str, new_text: str) -> None:
        """Resend an earlier user message, changed, as a new branch from the same point."""
        if not new_text.strip() or not self._ready() or self.conversation is None:
            return
        index = next(i for i, m in enumerate(self.path) if m.id == msg_id)
        parent = self.path[index].parent_id
        kept = self.path[index].engine_message(self.store.images).attachments  # an edit keeps its images and recordings
        self.path = self.path[:index]
        self.pathChanged.emit(self.path)
        self._start(self.path, user_text=new_text, parent_id=parent, user_images=kept)

    @reports_errors
    def continue_reply(self, msg_id: str) -> None:
        """Carry on an interrupted reply from where it stopped."""
        if not self._ready() or self.conversation is None:
            return
        index = next(i for i, m in enumerate(self.path) if m.id == msg_id)
        self._start(self.path[:index], parent_id=self.path[index].parent_id, continuing=self.path[index])

    @reports_errors
    def continue_with(self, msg_id: str, prefix: str) -> None:
        """A new version of a reply that starts with `prefix` (its tokens up to one the token view shows,
        and another candidate there instead) and goes on from it: a sibling, the old reply kept."""
        if not self._ready() or self.conversation is None:
            return
        index = next(i for i, m in enumerate(self.path) if m.id == msg_id)
        old = self.path[index]
        # The token view's tokens include a reasoning model's thinking: kept as thinking, not as answer text.
        parts = split_prefix(prefix)
        start = self.store.add_message(self.conversation.id, "assistant", parts.answer, parent_id=old.parent_id,
                                       status=INTERRUPTED, model=self._model_name(), thinking=parts.thinking)
        self.path = [*self.path[:index], start]
        self.pathChanged.emit(self.path)
        self._start(self.path[:index], parent_id=old.parent_id, continuing=start)

    def token_view(self, msg_id: str) -> TokenView | None:
        """How each token of a reply was chosen (None: written with the view off, or unreadable)."""
        return self.store.token_view(msg_id)

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
            self.turns.cancel()

    # ----- the turn in flight ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.turns.busy

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

    def _start(self, before: list[StoredMessage], parent_id: str | None, user_text: str | None = None,
               continuing: StoredMessage | None = None, user_images: tuple[Attachment, ...] = ()) -> None:
        chat = self.settings()
        try:
            template = chat.chat_template()
        except KnownError as exc:
            self.errorOccurred.emit(user_message(exc))
            return
        turn = Turn(tuple(to_engine_messages(chat.system_prompt, before, self.store.images)), chat.sampling,
                    user_text=user_text, user_images=user_images, parent_id=parent_id, continuing=continuing,
                    augment=self._augment(), output=chat.output_format(), tool_choice=chat.tool_choice,
                    template=template, explain=TOKEN_VIEW_CANDIDATES if self.app_settings.token_view else 0)
        if self._new_project is None:  # a chat keeps the settings it started with
            new = NewConversation(model=self._model_name(), settings=SettingsLayer.of(chat).to_store(),
                                  system_prompt=chat.system_prompt, template=chat.template)
        else:  # a project's chat keeps only what it set itself: the project's changes reach it
            own = self._new_chat
            new = NewConversation(model=self._model_name(), settings=own.to_store(),
                                  system_prompt=own.system_prompt or "", template=own.template or "auto",
                                  project_id=self._new_project)
        tools = self.tools_service.source(self.tool_servers()) if self.tools_service is not None else None
        self._turn_text = user_text
        self._reply = continuing
        self._save_failed = False
        permission = self.permission.for_turn if self.permission is not None else None
        self._turn_id = self.turns.start(turn, self.inference.backend(), self.conversation, new,
                                         self._model_name(), tools=tools, permission=permission)
        self.busyChanged.emit()

    @Slot(int, object)
    def _on_opened(self, turn_id: int, opened: Opened) -> None:
        if turn_id != self._turn_id:
            return
        self._turn_text = None
        if self.conversation is None and opened.conversation is not None:
            self.conversation = opened.conversation
            self.conversationOpened.emit(self.conversation)
        if opened.user is not None:
            self.path = [*self.path, opened.user]
            self.conversationsChanged.emit()
            self.pathChanged.emit(self.path)
        if opened.reply is not None:
            if all(m.id != opened.reply.id for m in self.path):
                self.path = [*self.path, opened.reply]
            self._reply = opened.reply
            self.replyStarted.emit(opened.reply)

    @Slot(int, str, str)
    def _on_delta(self, turn_id: int, thinking: str, text: str) -> None:
        if turn_id == self._turn_id and self._reply is not None:
            self.replyDelta.emit(self._reply.id, thinking, text)

    @Slot(int, str)
    def _on_save_failed(self, turn_id: int, message: str) -> None:
        if turn_id == self._turn_id and not self._save_failed:
            self._save_failed = True
            self.errorOccurred.emit(message)

    @Slot(int, object)
    def _on_reply_done(self, turn_id: int, reply: StoredMessage) -> None:
        """A reply that called tools is done; the turn goes on with their results."""
        if turn_id == self._turn_id:
            self.path = [reply if m.id == reply.id else m for m in self.path]
            self._reply = None
            self.replyFinished.emit(reply)

    @Slot(int, object)
    def _on_tool_done(self, turn_id: int, message: StoredMessage) -> None:
        if turn_id == self._turn_id:
            self.path = [*self.path, message]
            self.toolResult.emit(message)

    @Slot(int, object)
    def _on_finished(self, turn_id: int, outcome: TurnOutcome) -> None:
        if turn_id != self._turn_id:
            return
        self._end(outcome.reply)
        self.conversationsChanged.emit()

    @Slot(int, object)
    def _on_failed(self, turn_id: int, failure: Failed) -> None:
        if turn_id != self._turn_id:
            return
        if not failure.opened and self._turn_text is not None:
            self.unsent.emit(self._turn_text)  # nothing was saved: the message goes back to the box
        if failure.reply is None and self._reply is not None:  # nothing was written: the placeholder went
            self.path = [m for m in self.path if m.id != self._reply.id]
            self._reply = None
            self.pathChanged.emit(self.path)
        self._end(failure.reply)
        self.errorOccurred.emit(failure.message)

    def _end(self, final: StoredMessage | None) -> None:
        self._turn_text = None
        self._reply = None
        if final is not None:
            self.path = [final if m.id == final.id else m for m in self.path]
            self.replyFinished.emit(final)
        self.busyChanged.emit()

    def shutdown(self) -> None:
        """Stop the reply in flight, kept as interrupted; ignore anything the turn thread still sends.
        Idempotent: a window can be closed twice (the user, then the test harness or the app's exit)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._turn_id = -1
        self.turns.shutdown()
        self.inference.modelLoaded.disconnect(self._on_model_loaded)
