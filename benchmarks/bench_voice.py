"""Voice on two cores: real-time factors of transcription (whisper-base, int8) and synthesis (Piper "joe"),
and in voice mode the time from the end of speech to the first spoken audio, with each stage's share.

Transcription: espeak-ng's English recordings (tests/speech/), each and all four joined (~17 s), plus
the Chinese ones; word / character error rates beside. Synthesis: a short and a long reply. Voice mode:
the window's pipeline without the window (chatapp/voice: a recording played in at the pace of speech →
Listener → the demo chat model, streaming → SpeechQueue → an output that takes the time), the question
"What is the capital city of France?"; stages: the pause the detector waits for (700 ms of silence),
transcription, the model's first token, the first sentence complete, its speech made. Medians.

    python benchmarks/bench_voice.py [--rounds 5] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "speech"))

import numpy as np  # noqa: E402
from make_speech import SENTENCES  # noqa: E402
from report import cpu_name, markdown_table, publish  # noqa: E402
from scoring import characters, error_rate, words  # noqa: E402

from chatapp.core.generation import Done, GenerationRequest, TextDelta  # noqa: E402
from chatapp.core.models.library import demo_model_path  # noqa: E402
from chatapp.core.runtime.engine import Engine  # noqa: E402
from chatapp.core.storage.paths import default_paths  # noqa: E402
from chatapp.core.types import LoadOptions, Message, SamplingParams  # noqa: E402
from chatapp.voice import models  # noqa: E402
from chatapp.voice.audio import SAMPLE_RATE, read_audio  # noqa: E402
from chatapp.voice.capture import RecordingSource  # noqa: E402
from chatapp.voice.listener import Listener  # noqa: E402
from chatapp.voice.playback import TimedOutput  # noqa: E402
from chatapp.voice.speaker import Speaker  # noqa: E402
from chatapp.voice.speech_queue import SpeechQueue  # noqa: E402
from chatapp.voice.transcriber import Transcriber  # noqa: E402

SPEECH = ROOT / "tests" / "speech"
SHORT = "The capital of France is Paris."
LONG = ("Tides are long waves that move across the oceans. The moon pulls the water toward it, and the earth turns "
        "beneath that bulge of water. Most coasts see two high tides and two low tides each day, a little later "
        "every day, because the moon moves along its orbit.")


def transcription_rows(transcriber: Transcriber, rounds: int) -> list[tuple[str, ...]]:
    rows = []
    english = [n for n in SENTENCES if n.startswith("en_")]
    cases = [(n, [n]) for n in SENTENCES] + [("4 English joined", english)]
    for label, names in cases:
        audio = np.concatenate([read_audio(SPEECH / f"{n}.flac") for n in names])
        said = " ".join(SENTENCES[n][2] for n in names)
        chinese = names[0].startswith("zh_")
        times, text = [], ""
        for _ in range(rounds):
            started = time.perf_counter()
            text = transcriber.transcribe(audio, "zh" if chinese else None).text
            times.append(time.perf_counter() - started)
        seconds = len(audio) / SAMPLE_RATE
        rate = (error_rate(characters(said), characters(text)) if chinese else error_rate(words(said), words(text)))
        rows.append((label, f"{seconds:.1f} s", f"{statistics.median(times):.2f} s",
                     f"{statistics.median(times) / seconds:.3f}", f"{rate:.0%} {'CER' if chinese else 'WER'}"))
    return rows


def synthesis_rows(speaker: Speaker, rounds: int) -> list[tuple[str, ...]]:
    rows = []
    for label, text in (("a sentence", SHORT), ("a paragraph", LONG)):
        times, first, audio = [], [], np.zeros(0)
        for _ in range(rounds):
            started = time.perf_counter()
            pieces = speaker.speak(text)
            head = next(pieces)
            first.append(time.perf_counter() - started)
            audio = np.concatenate([head, *pieces])
            times.append(time.perf_counter() - started)
        seconds = len(audio) / speaker.sample_rate
        rows.append((label, f"{seconds:.1f} s", f"{statistics.median(times):.2f} s",
                     f"{statistics.median(times) / seconds:.3f}", f"{statistics.median(first) * 1000:.0f} ms"))
    return rows


def voice_mode_round(engine: Engine, transcriber: Transcriber, speaker: Speaker, seed: int) -> dict[str, float]:
    """One turn through the pipeline; each moment on the same clock."""
    moments: dict[str, float] = {}
    timed: dict[str, float] = {}
    heard = threading.Event()
    said: list[str] = []

    def transcribe(samples: np.ndarray, language: str | None, **options: object) -> object:
        started = time.perf_counter()
        result = transcriber.transcribe(samples, language, **options)  # type: ignore[arg-type]
        timed["transcription"] = time.perf_counter() - started
        timed["transcribed at"] = time.perf_counter()
        return result

    class Timed:  # the transcriber, timing what is on the critical path: the last transcription
        def transcribe(self, samples: np.ndarray, language: str | None = None, **options: object) -> object:
            return transcribe(samples, language, **options)

        def detect_language(self, samples: np.ndarray) -> str:
            return transcriber.detect_language(samples)

    def on_final(text: str) -> None:
        moments["heard"] = time.perf_counter()
        said.append(text)
        heard.set()

    output = TimedOutput(pace=50)
    done = threading.Event()
    queue = SpeechQueue(lambda _name: speaker, output, lambda: 1.0, lambda _t: None, lambda _t: done.set(),
                        lambda message: print(message, file=sys.stderr))
    listener = Listener(lambda: Timed(), lambda: None, lambda _w: None, on_final, lambda: None,  # type: ignore
                        lambda message: print(message, file=sys.stderr))
    question = read_audio(SPEECH / "en_question.flac")
    source = RecordingSource(question, pace=1.0)
    listener.start(source, "conversation")
    started = time.perf_counter()
    while source.said == 0:
        time.sleep(0.005)
    moments["speech ended"] = time.perf_counter()
    assert started < moments["speech ended"]
    if not heard.wait(60):
        raise RuntimeError("nothing was heard")
    listener.cancel()
    request = GenerationRequest(messages=(Message("user", said[0]),),
                                sampling=SamplingParams(temperature=0.0, max_tokens=60, seed=seed))
    for event in engine.generate(request):
        if isinstance(event, TextDelta):
            moments.setdefault("first token", time.perf_counter())
            queue.say("reply", event.text)
        elif isinstance(event, Done):
            queue.finish("reply")
    done.wait(60)
    queue.close()
    first_audio = output.started_at[0]
    # The last transcription may have run during the pause (at its first 200 ms): only what it added counts.
    transcribed_from = max(timed["transcribed at"] - timed["transcription"], moments["speech ended"])
    on_path = max(timed["transcribed at"] - transcribed_from, 0.0)
    return {
        "waiting for the pause": moments["heard"] - moments["speech ended"] - on_path,
        "transcription (what of it was after the pause)": on_path,
        "the model's first token": moments["first token"] - moments["heard"],
        "first sentence, then its speech": first_audio - moments["first token"],
        "end of speech → first audio": first_audio - moments["speech ended"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    data = default_paths().data_dir  # where the app joins the demo transcriber too
    transcriber = Transcriber(models.find_transcriber(data), threads=2)
    speaker = Speaker(models.find_voice(data))
    speaker.speak_all("Warm up.")
    transcriber.transcribe(read_audio(SPEECH / "en_fox.flac"))
    transcription = transcription_rows(transcriber, args.rounds)
    synthesis = synthesis_rows(speaker, args.rounds)
    engine = Engine()
    engine.load(demo_model_path(), LoadOptions(n_threads=2, n_ctx=2048))
    rounds = [voice_mode_round(engine, transcriber, speaker, i) for i in range(args.rounds)]
    engine.unload()
    total = statistics.median(r["end of speech → first audio"] for r in rounds)
    stages = [(stage, f"{statistics.median(r[stage] for r in rounds) * 1000:.0f} ms",
               f"{statistics.median(r[stage] for r in rounds) / total:.0%}" if "→" not in stage else "")
              for stage in rounds[0]]
    header = (f"{cpu_name()}, 2 threads, {time.strftime('%Y-%m-%d')}; whisper-base (CTranslate2 int8, beam 1, "
              f"Silero VAD) and Piper en_US-joe-medium (the demo voice set); real-time factor = seconds of work ÷ "
              f"seconds of audio (below 1: faster than speech); medians of {args.rounds}. Voice mode with the demo "
              f"chat model (SmolLM2 135M, greedy); `python benchmarks/bench_voice.py --write`.")
    body = "\n\n".join([
        "Transcription (espeak-ng's recordings; Chinese told its language):",
        markdown_table(("recording", "audio", "time", "real-time factor", "error rate"), transcription),
        "Synthesis:", markdown_table(("text", "audio", "time", "real-time factor", "first sentence"), synthesis),
        "Voice mode, end of speech → first spoken audio (goal ≤ 1.5 s):",
        markdown_table(("stage", "median", "share"), stages)])
    publish("Voice", header, body, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
