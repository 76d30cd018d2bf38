"""Writes the test recordings: espeak-ng (Debian's `espeak-ng`) speaks known sentences, sox makes them
16 kHz mono FLAC. Run again only to change them: `python tests/speech/make_speech.py`; the tests read
the committed files (CI machines have no espeak-ng)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# name → (espeak-ng voice, words per minute, the sentence)
SENTENCES = {
    "en_fox": ("en-us", 150, "The quick brown fox jumps over the lazy dog."),
    "en_report": ("en-us", 150, "Please send the quarterly report to the finance team by Friday."),
    "en_weather": ("en-gb", 150, "It will be sunny in the morning and rainy in the afternoon."),
    "en_question": ("en-us", 150, "What is the capital city of France?"),
    "zh_weather": ("cmn-latn-pinyin", 130, "今天天气很好，我们去公园散步吧。"),
    "zh_question": ("cmn-latn-pinyin", 130, "中国的首都是哪个城市？"),
}


def main() -> None:
    for name, (voice, speed, text) in SENTENCES.items():
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "speech.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
            subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", str(HERE / f"{name}.flac")], check=True)
        print(name, text)


if __name__ == "__main__":
    main()
