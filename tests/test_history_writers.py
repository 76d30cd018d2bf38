"""Streaming replies and the processes writing them: a killed writer's reply is interrupted, a live one's is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from chatapp.core.storage import history
from chatapp.core.storage.history import HistoryStore


def _in_another_process(code: str, *args: str, **popen: Any) -> subprocess.Popen[str]:
    """Run `code` with a HistoryStore importable, as a second chatapp process would."""
    return subprocess.Popen([sys.executable, "-c", "from chatapp.core.storage import history\n" + code, *args],
                            text=True, **popen)


def test_streaming_reply_left_behind_by_a_killed_process_is_marked_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    killed = _in_another_process(
        "import os, signal, sys\n"
        "s = history.HistoryStore(__import__('pathlib').Path(sys.argv[1]))\n"
        "c = s.create_conversation()\n"
        "u = s.add_message(c.id, 'user', 'hi')\n"
        "r = s.add_message(c.id, 'assistant', 'partial rep', parent_id=u.id, status=history.STREAMING)\n"
        "print(r.id, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n",
        str(path), stdout=subprocess.PIPE,
    )
    reply_id = killed.communicate(timeout=60)[0].strip()
    s2 = HistoryStore(path)
    assert s2.interrupted == [reply_id]
    assert s2.message(reply_id).status == history.INTERRUPTED
    assert s2.message(reply_id).content == "partial rep"


def test_a_reply_streaming_in_another_open_window_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    writer = _in_another_process(
        "import sys\n"
        "s = history.HistoryStore(__import__('pathlib').Path(sys.argv[1]))\n"
        "c = s.create_conversation()\n"
        "u = s.add_message(c.id, 'user', 'hi')\n"
        "r = s.add_message(c.id, 'assistant', 'so far', parent_id=u.id, status=history.STREAMING)\n"
        "print(r.id, flush=True)\n"
        "sys.stdin.readline()\n"
        "s.update_message(r.id, content='so far, and the rest', status=history.COMPLETE)\n"
        "s.close()\n",
        str(path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    assert writer.stdout is not None and writer.stdin is not None
    reply_id = writer.stdout.readline().strip()
    other = HistoryStore(path)  # e.g. `chatapp history` while the window writes a reply
    assert other.interrupted == []
    assert other.message(reply_id).status == history.STREAMING
    writer.communicate("go\n", timeout=60)
    assert writer.returncode == 0
    assert (other.message(reply_id).status, other.message(reply_id).content) == (
        history.COMPLETE, "so far, and the rest")
    other.close()
    assert list((tmp_path / "h.sqlite3.writers").iterdir()) == []  # every writer cleaned up after itself


def test_two_processes_writing_at_once_keep_every_message(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).close()
    code = (
        "import sys\n"
        "s = history.HistoryStore(__import__('pathlib').Path(sys.argv[1]))\n"
        "c = s.create_conversation(title=sys.argv[2])\n"
        "leaf = None\n"
        "for i in range(150):\n"
        "    m = s.add_message(c.id, 'user' if i % 2 == 0 else 'assistant', f'{sys.argv[2]} {i}', parent_id=leaf)\n"
        "    s.update_message(m.id, content=f'{sys.argv[2]} {i} edited')\n"
        "    leaf = m.id\n"
        "s.close()\n"
    )
    procs = [_in_another_process(code, str(path), name, stderr=subprocess.PIPE) for name in ("left", "right")]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    s = HistoryStore(path)
    by_title = {c.title: c for c in s.conversations()}
    for name in ("left", "right"):
        texts = [m.content for m in s.active_path(by_title[name].id)]
        assert texts == [f"{name} {i} edited" for i in range(150)]
    assert len(s.search("edited", limit=1000)) == 300
