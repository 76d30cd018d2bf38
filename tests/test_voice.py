"""Voice on this computer, with real speech: espeak-ng's recordings (tests/speech/, made by make_speech.py)
transcribed by the demo whisper-base, the demo Piper voice heard back by it, audio files that cannot be
used, what of a reply is read aloud, and `chatapp transcribe` / `chatapp say`."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from test_cli import run_chatapp

from chatapp.core.errors import KnownError
from chatapp.voice import models
from chatapp.voice.audio import SAMPLE_RATE, SPEECH_FORMATS, AudioError, encode, read_audio
from chatapp.voice.formats import render
from chatapp.voice.speakable import SentenceSplitter, speakable
from chatapp.voice.speaker import Speaker
from chatapp.voice.transcriber import Transcriber

SPEECH = Path(__file__).resolve().parent / "speech"
sys.path.insert(0, str(SPEECH))
from make_speech import SENTENCES  # noqa: E402
from scoring import characters, error_rate, words  # noqa: E402

ENGLISH = [name for name in SENTENCES if name.startswith("en_")]


@pytest.fixture(scope="module")
def transcriber(shared_transcriber: Path) -> Transcriber:
    return Transcriber(shared_transcriber, threads=2)


@pytest.fixture(scope="module")
def speaker(tmp_path_factory: pytest.TempPathFactory) -> Speaker:
    return Speaker(models.find_voice(tmp_path_factory.mktemp("voice-data")))


def test_english_speech_is_written_down(transcriber: Transcriber) -> None:
    errors = total = 0
    for name in ENGLISH:
        said = words(SENTENCES[name][2])
        transcript = transcriber.transcribe(read_audio(SPEECH / f"{name}.flac"))
        assert transcript.language == "en", name
        errors += round(error_rate(said, words(transcript.text)) * len(said))
        total += len(said)
    assert errors / total <= 0.20, f"word error rate {errors / total:.0%}"


def test_chinese_speech_is_written_in_chinese(transcriber: Transcriber) -> None:
    """espeak-ng's Mandarin is too robotic for whisper-base to get the words (the character error rate is
    measured in docs/benchmarks.md); what holds: told the language, it writes Chinese characters."""
    transcript = transcriber.transcribe(read_audio(SPEECH / "zh_weather.flac"), language="zh")
    assert transcript.language == "zh"
    letters = characters(transcript.text)
    assert letters and sum("\u4e00" <= c <= "\u9fff" for c in letters) >= len(letters) * 0.8


def test_the_demo_voice_is_heard_back(transcriber: Transcriber, speaker: Speaker) -> None:
    sentence = "Tomorrow morning I will take the train to London and visit my sister."
    speech = speaker.speak_all(sentence)
    assert speaker.sample_rate == 22_050 and len(speech) / speaker.sample_rate > 2
    heard = transcriber.transcribe(read_audio(encode(speech, speaker.sample_rate, "wav")))
    said = words(sentence)
    assert sum(w in words(heard.text) for w in said) >= 0.8 * len(said), heard.text


def test_speech_is_made_a_sentence_at_a_time_at_the_speed_asked(speaker: Speaker) -> None:
    text = "The first sentence is short. The second one is a little longer than the first."
    parts = list(speaker.speak(text))
    assert len(parts) == 2 and all(p.dtype == np.int16 and p.size for p in parts)
    slow, fast = speaker.speak_all(text, speed=0.5), speaker.speak_all(text, speed=2.0)
    assert len(slow) > 2.5 * len(fast)
    with pytest.raises(KnownError, match=r"speed must be between 0\.25 and 4\.0"):
        list(speaker.speak(text, speed=9))


def test_every_speech_format_reads_back(speaker: Speaker) -> None:
    speech = speaker.speak_all("One, two, three.")
    seconds = len(speech) / speaker.sample_rate
    for fmt in SPEECH_FORMATS:
        data = encode(speech, speaker.sample_rate, fmt)
        if fmt == "pcm":
            assert len(data) == 2 * len(speech)
            continue
        back = read_audio(data, fmt)
        assert abs(len(back) / SAMPLE_RATE - seconds) < 0.1, fmt  # (AAC adds a frame of priming)


def test_transcripts_render_as_the_openai_api_formats(transcriber: Transcriber) -> None:
    transcript = transcriber.transcribe(read_audio(SPEECH / "en_report.flac"))
    srt, _ = render(transcript, "srt")
    assert srt.startswith("1\n00:00:00,") and " --> " in srt
    vtt, content_type = render(transcript, "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:") and content_type.startswith("text/vtt")
    assert render(transcript, "text")[0] == transcript.text + "\n"
    assert '"segments": [{"id": 0, "start": 0.0' in render(transcript, "verbose_json")[0]


def test_audio_that_cannot_be_used_is_one_sentence(tmp_path: Path) -> None:
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(16_000)
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all")
    cases = [(b"", "The audio file is empty."), (silent, "silent.wav has no sound in it."),
             (text, "notes.mp3 cannot be read as audio (Invalid data found when processing input)."),
             (SPEECH.parent / "conftest.py", "conftest.py cannot be read as audio")]
    for source, sentence in cases:
        with pytest.raises(AudioError) as raised:
            read_audio(source)
        assert str(raised.value).startswith(sentence), str(raised.value)
    hour = tmp_path / "meeting.flac"  # 21 minutes: refused from its header, before it is decoded
    hour.write_bytes(encode(np.zeros(21 * 60 * SAMPLE_RATE, dtype=np.int16), SAMPLE_RATE, "flac"))
    with pytest.raises(AudioError, match=r"meeting\.flac is longer than 20 minutes; cut it into shorter parts\."):
        read_audio(hour)
    whole = (SPEECH / "en_fox.flac").read_bytes()
    try:  # cut off halfway: what there is is read (FFmpeg's choice), or it is refused in one sentence
        assert 0 < read_audio(whole[: len(whole) // 2], "cut.flac").size < read_audio(whole).size
    except AudioError as refused:
        assert str(refused).startswith("cut.flac cannot be read as audio")


def test_no_portaudio_is_one_sentence_that_says_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """sounddevice raises OSError on import when the PortAudio library is missing (the Linux tarball on a
    system without libportaudio2): the microphone, the speakers and the device lists say so, not that a
    device is wrong. The missing library is injected, so machines that have it test this too."""
    import sys

    from chatapp.voice import devices, playback
    from chatapp.voice.capture import Microphone

    class NoPortAudio:
        def find_spec(self, name: str, *_args: object) -> None:
            if name == "sounddevice":
                raise OSError("PortAudio library not found")

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    sentence = "Sound needs the PortAudio library, which is not installed here (on Linux, the libportaudio2 package)."
    for attempt in (devices.sound_library, lambda: Microphone().start(lambda _chunk: None),
                    lambda: playback.output_stream(22050)):
        with pytest.raises(devices.NoSoundLibrary) as caught:
            attempt()
        assert str(caught.value) == sentence
    assert devices.input_devices() == [] and devices.output_devices() == []


def test_what_is_read_aloud_of_a_reply() -> None:
    reply = ("<think>The user wants a list.</think>## Steps\n1. Run `pip install chatapp` first.\n"
             "2. Read **the guide** at [the docs](https://example.com/docs).\n\n```bash\nchatapp --model demo\n```\n"
             "| a | b |\n|---|---|\n| 1 | 2 |\n完成了！")
    assert speakable(reply) == ("Steps\nRun pip install chatapp first.\nRead the guide at the docs.\ncode block.\n"
                                "a b\n1 2\n完成了！")
    splitter = SentenceSplitter()
    heard = [s for piece in ("Hello the", "re. How are", " you? 我很好。", "谢谢") for s in splitter.feed(piece)]
    assert heard == ["Hello there.", "How are you?", "我很好。"] and splitter.flush() == ["谢谢"]
    splitter = SentenceSplitter()  # streamed a character at a time, a code block with sentences in it comes whole
    reply = "Run this.\n\n```python\nprint(1). x = 2\n```\nDone now."
    pieces = [s for character in reply for s in splitter.feed(character)] + splitter.flush()
    assert [speakable(p) for p in pieces] == ["Run this.", "code block.", "Done now."]


def test_the_demo_transcriber_is_joined_once_and_a_broken_join_is_redone(tmp_path: Path) -> None:
    folder = models.demo_transcriber(tmp_path)
    assert folder is not None
    model = folder / "model.bin"
    size = model.stat().st_size
    model.write_bytes(b"cut short")  # as an interrupted join would leave a file of the wrong size
    assert models.demo_transcriber(tmp_path) == folder and model.stat().st_size == size
    assert [m.name for m in models.transcribers(tmp_path)] == ["whisper-base"]
    with pytest.raises(KnownError, match="There is no speech model 'large-v3' \\(there are: whisper-base\\)"):
        models.find_transcriber(tmp_path, "large-v3")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"\0" * 64)
    (broken / "config.json").write_text("{}")
    with pytest.raises(KnownError, match=r"The speech model in .*broken cannot be loaded"):
        Transcriber(broken)


def test_a_joined_demo_transcriber_is_found_where_its_packages_are_not(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The installers' frozen app has no Python packages' files: a demo transcriber joined into the voice
    folder (by a pip install using the same data folder, or the smoke test) is found there like any other."""
    folder = models.demo_transcriber(tmp_path)
    monkeypatch.setattr(models, "installed_package_file", lambda package, name: None)  # as when frozen
    assert [(m.name, m.path) for m in models.transcribers(tmp_path)] == [("whisper-base", folder)]
    assert models.find_transcriber(tmp_path) == folder


def test_transcribe_and_say_in_the_terminal(tmp_path: Path) -> None:
    run = run_chatapp("transcribe", str(SPEECH / "en_question.flac"), "--format", "vtt")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("WEBVTT") and "capital city" in run.stdout
    out = tmp_path / "answer.mp3"
    run = run_chatapp("say", "Paris is the capital of France.", "--out", str(out))
    assert run.returncode == 0, run.stderr
    run = run_chatapp("transcribe", str(out))
    assert run.returncode == 0 and "capital of France" in run.stdout, run.stdout
    run = run_chatapp("say", "-", "--out", str(tmp_path / "nothing.wav"), stdin="```\ncode only\n```")
    assert run.returncode == 0  # a code block alone is said as "code block"
    run = run_chatapp("transcribe", str(tmp_path / "missing.wav"))
    assert run.returncode == 1 and "There is no file" in run.stderr
    from chatapp.voice import devices

    if not devices.output_devices():  # (a machine with speakers would play it)
        run = run_chatapp("say", "Hello")
        assert run.returncode == 1 and "write the speech to a file instead: chatapp say TEXT --out" in run.stderr
    run = run_chatapp("say", "Hello", "--voice", "nobody")
    assert run.returncode == 1 and "There is no speech model 'nobody' (there are: en_US-joe-medium)" in run.stderr


def test_a_conversation_utterance_is_written_down_during_its_pause(transcriber: Transcriber) -> None:
    """The language is found while the speaker speaks, and the words at the first short pause: when that
    pause is the end, no transcription is left for after it (the time to the reply's first word)."""
    import threading

    from chatapp.voice.capture import RecordingSource
    from chatapp.voice.listener import Listener

    calls: list[str] = []

    class Counting:  # the real transcriber, counting what it is asked
        def transcribe(self, samples: np.ndarray, language: str | None = None, **options: object) -> object:
            calls.append(f"transcribe {language}")
            return transcriber.transcribe(samples, language, **options)  # type: ignore[arg-type]

        def detect_language(self, samples: np.ndarray) -> str:
            calls.append("detect")
            return transcriber.detect_language(samples)

    heard: list[str] = []
    done = threading.Event()
    listener = Listener(lambda: Counting(), lambda: None, lambda _w: None,  # type: ignore[arg-type,return-value]
                        lambda words: (heard.append(words), done.set()), lambda: None, pytest.fail)
    listener.start(RecordingSource(read_audio(SPEECH / "en_report.flac"), pace=1.0), "conversation")
    assert done.wait(60)
    listener.cancel()
    assert "quarterly report" in heard[0]
    assert calls == ["detect", "transcribe en"]  # the pause's transcription is the final one: none after it
