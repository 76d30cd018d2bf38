"""Settings → Voice: the microphone and speakers, the voice replies are read with and its speed, the
speech recognition model and the language spoken (applies at once; "Try the voice" says a sentence),
and more speech models to download."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QWidget,
)

from chatapp.core.storage.settings import AppSettings
from chatapp.ui.choice_box import choose
from chatapp.ui.speech_models import SpeechModels

# The languages offered by name (whisper knows ~100; any code works from the terminal and the API).
LANGUAGES = (("", "Detect"), ("en", "English"), ("zh", "中文"), ("ja", "日本語"), ("ko", "한국어"), ("fr", "Français"),
             ("de", "Deutsch"), ("es", "Español"), ("ru", "Русский"))


class VoiceBox(QGroupBox):
    """Emits `changed(dict)` with the AppSettings fields the user changed, and `tryRequested`."""

    changed = Signal(dict)
    tryRequested = Signal()
    downloadRequested = Signal(object)  # a VoiceEntry

    def __init__(self, settings: AppSettings, inputs: list[str], outputs: list[str], voices: list[str],
                 transcribers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Voice"))
        form = QFormLayout(self)
        note = QLabel(self.tr("Dictation, replies read aloud and voice mode run on this computer: nothing you say "
                              "leaves it. Use headphones in voice mode, so the reply is not heard as you speaking."))
        note.setWordWrap(True)
        form.addRow(note)
        self.microphone = self._choice(inputs, settings.voice_input_device, self.tr("System default"))
        form.addRow(self.tr("Microphone:"), self.microphone)
        self.speakers = self._choice(outputs, settings.voice_output_device, self.tr("System default"))
        form.addRow(self.tr("Speakers:"), self.speakers)
        self.voice = self._choice(voices, settings.voice_name, self.tr("The first installed"))
        form.addRow(self.tr("Voice:"), self.voice)
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.5, 2.0)
        self.speed.setSingleStep(0.1)
        self.speed.setSuffix("×")
        self.speed.setValue(settings.voice_speed)
        self.speed.setAccessibleName(self.tr("Reading speed"))
        form.addRow(self.tr("Speed:"), self.speed)
        self.transcriber = self._choice(transcribers, settings.voice_transcriber, self.tr("The first installed"))
        form.addRow(self.tr("Speech recognition:"), self.transcriber)
        self.language = QComboBox()
        for code, name in LANGUAGES:
            self.language.addItem(name if code else self.tr("Detect"), code)
        self.language.setCurrentIndex(max(self.language.findData(settings.voice_language), 0))
        self.language.setAccessibleName(self.tr("Language you speak"))
        self.language.setToolTip(self.tr("Naming it saves finding it in every sentence (about half a second each) "
                                         "and a wrong guess on a short one"))
        form.addRow(self.tr("Language you speak:"), self.language)
        self.try_button = QPushButton(self.tr("Try the voice"))
        self.try_button.clicked.connect(self.tryRequested)
        form.addRow(self.try_button)
        self.missing = QLabel(self.tr("Speech models are missing; install the demo set with: "
                                      "pip install \"chatapp[voice,voice-demo]\", or download one below."))
        self.missing.setWordWrap(True)
        form.addRow(self.missing)
        self.missing.setVisible(not voices or not transcribers)
        self.speech = SpeechModels(with_installed=False)
        self.speech.downloadRequested.connect(self.downloadRequested)
        form.addRow(self.speech)
        for box, key in ((self.microphone, "voice_input_device"), (self.speakers, "voice_output_device"),
                         (self.voice, "voice_name"), (self.transcriber, "voice_transcriber"),
                         (self.language, "voice_language")):
            box.currentIndexChanged.connect(lambda _i, b=box, k=key: self.changed.emit({k: b.currentData()}))
        self.speed.valueChanged.connect(lambda value: self.changed.emit({"voice_speed": round(value, 2)}))

    def show_installed(self, voices: list[str], transcribers: list[str]) -> None:
        """The models here now (after a download), keeping what is chosen."""
        for box, names in ((self.voice, voices), (self.transcriber, transcribers)):
            for name in names:
                if box.findData(name) < 0:
                    box.addItem(name, name)
        self.missing.setVisible(not voices or not transcribers)

    def _choice(self, names: list[str], current: str, default: str) -> QComboBox:
        box = QComboBox()
        box.addItem(default, "")
        for name in names:
            box.addItem(name, name)
        choose(box, current)
        return box
