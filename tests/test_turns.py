"""The core turn runner: a turn recorded, streamed, saved as it goes and ended in one place, on the
real engine with tiny real models and a real SQLite history."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatapp.core.errors import KnownError
from chatapp.core.generation import Event, EventStream, GenerationRequest
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter, RoutedBackend
from chatapp.core.storage.history import CANCELLED, COMPLETE, INTERRUPTED, STREAMING, HistoryStore
from chatapp.core.turns import runner
from chatapp.core.turns.record import HistoryRecord, NewConversation
from chatapp.core.turns.runner import run_turn
from chatapp.core.turns.turn import QuietSink, Turn
from chatapp.core.types import Message, SamplingParams


@pytest.fixture(scope="module")
def eos_engine(tiny_eos_model: Path) -> Iterator[Engine]:
    engine = Engine()
    engine.load(tiny_eos_model)
    yield engine
    engine.unload()


def test_a_turn_is_recorded_streamed_and_finished(store: HistoryStore, eos_engine: Engine) -> None:
    record = HistoryRecord(store, new=NewConversation(model="tiny", system_prompt="Be brief."))
    sink = QuietSink()
    outcome = run_turn(Turn((Message("system", "Be brief."),), SamplingParams(), user_text="Hello?"), eos_engine,
                       sink, record, model="tiny")
    assert outcome.text == "".join(sink.pieces) == " Helloé!"
    assert outcome.status == COMPLETE and outcome.stats is not None
    path = store.active_path(record.ensure_conversation().id)
    assert [(m.role, m.content, m.status) for m in path] == [("user", "Hello?", COMPLETE),
                                                               ("assistant", " Helloé!", COMPLETE)]
    assert path[1].model == "tiny" and path[1].stats["completion_tokens"] == outcome.stats.completion_tokens
    assert store.conversation(path[0].conversation_id).system_prompt == "Be brief."
    # the next turn goes on in the same conversation, under the reply
    second = run_turn(Turn((Message("user", "Hello?"), Message("assistant", outcome.text)), SamplingParams(),
                           user_text="Again", parent_id=outcome.reply.id), eos_engine, QuietSink(), record)
    assert [m.content for m in store.active_path(path[0].conversation_id)] == [
        "Hello?", " Helloé!", "Again", second.text]


def test_the_reply_is_saved_while_it_streams(store: HistoryStore, tiny_long_model: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "PARTIAL_SAVE_INTERVAL_S", 0.0)  # save at every piece
    engine = Engine()
    engine.load(tiny_long_model)
    record = HistoryRecord(store)
    seen: list[tuple[str, str]] = []
    reader = HistoryStore(store.path)  # another connection, as another process would read it

    class Watching(QuietSink):
        def text(self, piece: str) -> None:
            super().text(piece)
            if len(self.pieces) == 20:
                reply = reader.active_path(record.ensure_conversation().id)[-1]
                seen.append((reply.status, reply.content))

    outcome = run_turn(Turn((), SamplingParams(max_tokens=40), user_text="go"), engine, Watching(), record)
    engine.unload()
    reader.close()
    status, content = seen[0]
    assert status == STREAMING and content.startswith(" Hello world.") and len(content) < len(outcome.text)


class _FailsAfter:
    """A backend whose connection drops after `n` pieces (the fault a lost server causes)."""

    def __init__(self, engine: Engine, n: int) -> None:
        self.engine, self.n = engine, n

    def generate(self, request: GenerationRequest, cancel: threading.Event) -> EventStream:
        stop = threading.Event()
        inner = self.engine.generate(request, stop)

        def events() -> Iterator[Event]:
            for i, event in enumerate(inner):
                if i == self.n:
                    stop.set()  # the engine's side ends as a hung-up server's would
                    inner.text()
                    raise KnownError("The server at x went away.")
                yield event

        return EventStream(events())


@pytest.mark.parametrize(("after", "kept"), [(0, None), (3, INTERRUPTED)])
def test_a_failed_reply_keeps_what_was_written(store: HistoryStore, tiny_model: Path, after: int,
                                               kept: str | None) -> None:
    engine = Engine()
    engine.load(tiny_model)
    record = HistoryRecord(store)

    class Abandoned(QuietSink):
        reply: object = "not called"

        def abandoned(self, reply: object) -> None:
            self.reply = reply

    sink = Abandoned()
    with pytest.raises(KnownError, match="went away"):
        run_turn(Turn((), SamplingParams(max_tokens=50), user_text="hi"), _FailsAfter(engine, after), sink, record)
    engine.unload()
    path = store.active_path(record.ensure_conversation().id)
    if kept is None:  # nothing was written: the placeholder is gone, the question stays to resend
        assert [m.role for m in path] == ["user"] and sink.reply is None
    else:
        assert [(m.role, m.status) for m in path] == [("user", COMPLETE), ("assistant", kept)]
        assert path[1].content == "".join(sink.pieces) and path[1].content.startswith(" Hello")
        assert sink.reply.id == path[1].id


def test_cancel_and_interrupt(store: HistoryStore, tiny_long_model: Path) -> None:
    engine = Engine()
    engine.load(tiny_long_model)
    ends = []

    class Stopping(QuietSink):
        def __init__(self, closing: bool) -> None:
            super().__init__()
            self.closing = closing
            self.cancel, self.interrupt = threading.Event(), threading.Event()

        def text(self, piece: str) -> None:
            super().text(piece)
            if len(self.pieces) == 10:
                if self.closing:
                    self.interrupt.set()
                self.cancel.set()

    for closing in (False, True):
        sink = Stopping(closing)
        record = HistoryRecord(store)
        outcome = run_turn(Turn((), SamplingParams(max_tokens=10_000), user_text="go"), engine, sink, record,
                           cancel=sink.cancel, interrupt=sink.interrupt)
        ends.append((outcome.status, store.message(outcome.reply.id).status))
    engine.unload()
    assert ends == [(CANCELLED, CANCELLED), (INTERRUPTED, INTERRUPTED)]


def test_continuing_an_interrupted_reply(store: HistoryStore, eos_engine: Engine) -> None:
    conv = store.create_conversation()
    user = store.add_message(conv.id, "user", "Hello?")
    cut = store.add_message(conv.id, "assistant", " Hel", parent_id=user.id, status=INTERRUPTED)
    outcome = run_turn(Turn((Message("user", "Hello?"),), SamplingParams(), parent_id=user.id, continuing=cut),
                       eos_engine, QuietSink(), HistoryRecord(store, conv))
    assert outcome.text.startswith(" Hel") and outcome.reply.id == cut.id
    assert store.message(cut.id).status == COMPLETE and store.message(cut.id).content == outcome.text
    assert len(store.active_path(conv.id)) == 2  # no new message


def test_the_router_streams_from_the_model_thread(tiny_eos_model: Path, tiny_model: Path) -> None:
    host = ModelHost()
    hi = GenerationRequest((Message("user", "hi"),))
    try:
        hosted = RoutedBackend(ModelRouter(host))
        with pytest.raises(KnownError, match="No model is loaded"):
            hosted.generate(hi, threading.Event()).text()
        host.call(lambda engine: engine.load(tiny_eos_model))
        stream = hosted.generate(hi, threading.Event())
        assert stream.text() == " Helloé!" and stream.stats.completion_tokens == 4
        cancel = threading.Event()
        cancel.set()  # cancelled before its turn on the host: dropped, never started
        dropped = hosted.generate(hi, cancel)
        assert dropped.text() == "" and dropped.stats is None
        host.submit(lambda engine: engine.unload())
        with pytest.raises(KnownError, match="No model is loaded"):  # unloaded while it waited: raised on the
            hosted.generate(hi, threading.Event()).text()  # host, said here
        host.call(lambda engine: engine.load(tiny_eos_model))
        host.call(lambda engine: engine.load(tiny_model))
        outcome = run_turn(Turn((), SamplingParams(max_tokens=5), user_text="hi"), hosted, QuietSink())
        assert outcome.text == " Hello world. Hello world" and outcome.reply is None  # not kept without a record
    finally:
        host.shutdown()


def test_a_preview_asked_for_after_the_model_thread_shut_down_is_dropped(qtbot) -> None:
    """A model that finishes loading while the app closes asks for a prompt preview: the window must
    close quietly, not raise from a thread that is gone (seen in the frozen bundle's smoke test)."""
    from chatapp.core.runtime.model_host import ModelHost
    from chatapp.core.types import Message
    from chatapp.services.inference import InferenceController

    host = ModelHost()
    controller = InferenceController(host)
    host.shutdown()
    controller.preview([Message("user", "hello")], None)  # nothing queued, nothing raised
    assert host.stopped
