"""History through the real command: saved turns, resume, export/import, kill -9 and a corrupted file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from test_cli import run_chatapp

from chatapp.core.storage.history import HistoryStore


def _db(isolated_dirs: Path) -> Path:
    return isolated_dirs / "data" / "history.sqlite3"


def test_chat_saves_turns_and_resumes_a_conversation(tiny_model: Path, isolated_dirs: Path) -> None:
    run = run_chatapp("chat", "--model", str(tiny_model), "--system", "Be brief.", "--max-tokens", "3",
                      stdin="first question\nsecond question\n")
    assert run.returncode == 0, run.stderr
    listing = run_chatapp("history")
    assert listing.returncode == 0
    short_id, *_ = listing.stdout.split()
    assert "first question" in listing.stdout

    run = run_chatapp("chat", "--model", str(tiny_model), "--conversation", short_id, "--max-tokens", "3",
                      "--prompt", "third question", "--stats")
    assert run.returncode == 0, run.stderr
    stats = json.loads(run.stderr.strip().splitlines()[-1])
    assert stats["prompt_tokens"] > 60  # the earlier turns and the stored system prompt were sent

    exported = json.loads(run_chatapp("history", "export", short_id, "--format", "json").stdout)
    assert [m["role"] for m in exported["messages"]] == ["system"] + ["user", "assistant"] * 3
    assert exported["messages"][-2]["content"] == "third question"
    assert exported["messages"][-1]["content"] == " Hello world."
    assert exported["tree"][-1]["stats"]["completion_tokens"] == 3

    md = run_chatapp("history", "export", short_id, "--format", "md").stdout
    assert "## You\n\nthird question" in md


def test_json_import_from_the_command_line(tiny_model: Path, isolated_dirs: Path) -> None:
    run_chatapp("chat", "--model", str(tiny_model), "--max-tokens", "2", "--prompt", "keep me")
    short_id = run_chatapp("history").stdout.split()[0]
    out = isolated_dirs / "conv.json"
    assert run_chatapp("history", "export", short_id, "--format", "json", "-o", str(out)).returncode == 0
    run = run_chatapp("history", "import", str(out))
    assert run.returncode == 0 and run.stdout.startswith("imported ")
    assert run_chatapp("history").stdout.count("keep me") == 2
    bad = isolated_dirs / "bad.json"
    bad.write_text("{not json")
    run = run_chatapp("history", "import", str(bad))
    assert run.returncode == 1 and "Cannot read" in run.stderr and "Traceback" not in run.stderr


def test_sigkill_mid_reply_loses_nothing_finished(tiny_long_model: Path, isolated_dirs: Path) -> None:
    model = str(tiny_long_model)
    assert run_chatapp("chat", "--model", model, "--max-tokens", "3", "--prompt", "one").returncode == 0
    short_id = run_chatapp("history").stdout.split()[0]

    proc = subprocess.Popen(
        [sys.executable, "-m", "chatapp", "chat", "--model", model, "--conversation", short_id,
         "--ctx", "131072", "--max-tokens", "1000000", "--prompt", "two"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy(),
    )
    db = _db(isolated_dirs)
    deadline = time.monotonic() + 60
    partial = ""
    while time.monotonic() < deadline and len(partial) < 100:  # wait for a partial save to land
        time.sleep(0.2)
        with sqlite3.connect(db) as reader:
            row = reader.execute("SELECT content FROM messages WHERE status = 'streaming'").fetchone()
        partial = row[0] if row else ""
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert len(partial) >= 100

    store = HistoryStore(db)
    assert store.integrity_ok()
    conv = store.find_conversation(short_id)
    path = store.active_path(conv.id)
    assert [(m.role, m.status) for m in path] == [
        ("user", "complete"), ("assistant", "complete"), ("user", "complete"), ("assistant", "interrupted")
    ]
    assert [m.content for m in path[:3]] == ["one", " Hello world.", "two"]
    assert path[3].content.startswith(" Hello world. Hello world.")
    assert len(path[3].content) >= len(partial)
    store.close()


def test_corrupted_database_is_set_aside_with_one_clear_line(tiny_model: Path, isolated_dirs: Path) -> None:
    assert run_chatapp("chat", "--model", str(tiny_model), "--max-tokens", "2", "--prompt", "x").returncode == 0
    db = _db(isolated_dirs)
    db.write_bytes(b"\x00garbage" * 1000)
    run = run_chatapp("history")
    assert run.returncode == 0
    assert run.stderr.count("\n") == 1 and "could not be read" in run.stderr and "moved to" in run.stderr
    assert list(db.parent.glob("history.sqlite3.unreadable-*"))
    assert run_chatapp("chat", "--model", str(tiny_model), "--max-tokens", "2", "--prompt", "y").returncode == 0
    assert "y" in run_chatapp("history").stdout


def test_history_search_finds_chinese_typed_in_a_non_utf8_console(tiny_model: Path, isolated_dirs: Path) -> None:
    # A console whose code page is not UTF-8 (Windows cp936/cp1252, a C locale): chatapp still reads and
    # writes UTF-8, so the Chinese prompt is stored whole and search prints it back.
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "LC_ALL": "C"}
    question = "我的显卡显存只有8GB，能运行大语言模型吗？"
    chat = subprocess.run([sys.executable, "-m", "chatapp", "chat", "--model", str(tiny_model), "--max-tokens", "2"],
                          input=(question + "\n").encode(), capture_output=True, env=env, timeout=120)
    assert chat.returncode == 0, chat.stderr.decode("utf-8", "replace")

    found = subprocess.run([sys.executable, "-m", "chatapp", "history", "search", "显存", "--json"],
                           capture_output=True, env=env, timeout=60)
    assert found.returncode == 0, found.stderr.decode("utf-8", "replace")
    hits = json.loads(found.stdout.decode("utf-8"))
    assert [(h["role"], h["title"]) for h in hits] == [("user", question)]
    assert "显卡[[显存]]只有" in hits[0]["snippet"]

    plain = run_chatapp("history", "search", "语言模型")
    assert plain.returncode == 0
    short_id = plain.stdout.split()[0]
    assert plain.stdout.startswith(short_id) and "[[语言模型]]" in plain.stdout and "user:" in plain.stdout
    none = run_chatapp("history", "search", "量子力学")
    assert none.returncode == 1 and "No messages match" in none.stdout
