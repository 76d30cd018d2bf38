"""Per-conversation settings: template (with a live preview of the prompt and its token count),
sampling sliders, system prompt, structured output (a JSON schema the replies must match), and the
model-loading options that need a reload."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.chat_settings import ChatSettings
from chatapp.core.runtime.templates import PRESET_NAMES
from chatapp.core.types import LoadOptions, SamplingParams
from chatapp.services.inference import Preview
from chatapp.ui.choice_box import choose
from chatapp.ui.fold_button import FoldButton

TEMPLATE_CHOICES = ("auto", *PRESET_NAMES, "custom")
APPLY_DELAY_MS = 300


class SliderWithSpin(QWidget):
    """A slider and a number field that stay in step (the slider for feel, the field for precision)."""

    valueChanged = Signal(float)

    def __init__(self, minimum: float, maximum: float, step: float, decimals: int, name: str) -> None:
        super().__init__()
        self._scale = 100  # slider steps of 0.01
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(minimum * self._scale), round(maximum * self._scale))
        self.slider.setAccessibleName(self.tr("{name} slider").format(name=name))
        self.spin = QDoubleSpinBox()
        self.spin.setRange(minimum, maximum)
        self.spin.setSingleStep(step)
        self.spin.setDecimals(decimals)
        self.spin.setAccessibleName(name)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(lambda v: self.spin.setValue(v / self._scale))
        self.spin.valueChanged.connect(self._on_spin)

    def _on_spin(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(value * self._scale))
        self.slider.blockSignals(False)
        self.valueChanged.emit(value)

    def value(self) -> float:
        return float(self.spin.value())

    def setValue(self, value: float) -> None:
        self.spin.setValue(value)


class WheelGuard(QObject):
    """Scrolling the panel must not change the setting under the pointer: a spin box, slider or list
    takes the wheel only once the user has clicked or tabbed into it; otherwise the panel scrolls."""

    def __init__(self, area: QScrollArea) -> None:
        super().__init__(area)
        self._area = area

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            QCoreApplication.sendEvent(self._area.verticalScrollBar(), event)  # scroll the panel instead
            return True
        return False


class SettingsPanel(QScrollArea):
    settingsChanged = Signal(object)  # ChatSettings
    previewRequested = Signal(object)  # ChatSettings
    reloadRequested = Signal(object)  # LoadOptions

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName(self.tr("Settings"))
        self._loading = False
        body = QWidget()
        outer = QVBoxLayout(body)
        self._sections = outer

        # --- prompt template -----------------------------------------------------------------------
        tpl_box = QGroupBox(self.tr("Prompt template"))
        tpl = QVBoxLayout(tpl_box)
        self.template_combo = QComboBox()
        self.template_combo.addItems(TEMPLATE_CHOICES)
        self.template_combo.setAccessibleName(self.tr("Prompt template"))
        tpl.addWidget(self.template_combo)
        self.custom_edit = QPlainTextEdit()
        self.custom_edit.setPlaceholderText(self.tr("Jinja chat template, e.g. {% for m in messages %}…{% endfor %}"))
        self.custom_edit.setAccessibleName(self.tr("Custom template"))
        self.custom_edit.setFixedHeight(90)
        tpl.addWidget(self.custom_edit)
        self.template_info = QLabel()
        self.template_info.setWordWrap(True)
        tpl.addWidget(self.template_info)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName(self.tr("Prompt preview"))
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setFixedHeight(140)
        tpl.addWidget(self.preview)
        outer.addWidget(tpl_box)

        # --- system prompt and sampling ---------------------------------------------------------------
        sampling_box = QGroupBox(self.tr("Generation"))
        form = QFormLayout(sampling_box)
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setAccessibleName(self.tr("System prompt"))
        self.system_prompt.setPlaceholderText(self.tr("Optional: how the assistant should behave"))
        self.system_prompt.setFixedHeight(70)
        form.addRow(self.tr("System prompt"), self.system_prompt)
        self.temperature = SliderWithSpin(0.0, 2.0, 0.05, 2, self.tr("Temperature"))
        form.addRow(self.tr("Temperature"), self.temperature)
        self.top_p = SliderWithSpin(0.0, 1.0, 0.01, 2, self.tr("Top-p"))
        form.addRow(self.tr("Top-p"), self.top_p)
        self.max_tokens = self._int_spin(1, 1_000_000, self.tr("Max tokens"))
        form.addRow(self.tr("Max tokens"), self.max_tokens)
        # Advanced sampling, folded: most people never need to touch these.
        self.advanced = QWidget()
        self.advanced_toggle = FoldButton(self.tr("Advanced sampling"),
                                          self.tr("Show or hide the advanced sampling settings"), self.advanced)
        form.addRow(self.advanced_toggle)
        advanced = QFormLayout(self.advanced)
        advanced.setContentsMargins(0, 0, 0, 0)
        self.top_k = self._int_spin(0, 1000, self.tr("Top-k (0: off)"))
        advanced.addRow(self.tr("Top-k"), self.top_k)
        self.min_p = QDoubleSpinBox()
        self.min_p.setRange(0.0, 1.0)
        self.min_p.setSingleStep(0.01)
        self.min_p.setAccessibleName(self.tr("Min-p"))
        advanced.addRow(self.tr("Min-p"), self.min_p)
        self.repeat_penalty = QDoubleSpinBox()
        self.repeat_penalty.setRange(0.5, 2.0)
        self.repeat_penalty.setSingleStep(0.05)
        self.repeat_penalty.setAccessibleName(self.tr("Repeat penalty"))
        advanced.addRow(self.tr("Repeat penalty"), self.repeat_penalty)
        self.seed = self._int_spin(-1, 2**31 - 1, self.tr("Seed (-1: random)"))
        self.seed.setSpecialValueText(self.tr("random"))
        advanced.addRow(self.tr("Seed"), self.seed)
        form.addRow(self.advanced)
        # What each control does to the reply, in one sentence (shown on the control and its label).
        tips = {
            self.temperature: self.tr("How adventurous the wording is: low values pick the most likely words "
                                      "(focused, repeatable); high values pick less likely ones (varied, riskier). "
                                      "0 always picks the most likely word."),
            self.top_p: self.tr("Only the most likely words that together make up this share of the probability "
                                "are considered; lower cuts off unlikely words (1: off)."),
            self.top_k: self.tr("Only this many of the most likely words are considered at each step (0: off)."),
            self.min_p: self.tr("Words less likely than this fraction of the most likely word are never picked; "
                                "a small value (0.05) removes nonsense without making replies dull (0: off)."),
            self.repeat_penalty: self.tr("Makes words used in the last 64 tokens less likely, against loops; "
                                         "1 is off, too high distorts the reply."),
            self.max_tokens: self.tr("The reply stops after this many tokens (about ¾ of a word each in English)."),
            self.seed: self.tr("The same seed, settings and conversation give the same reply, Regenerate "
                               "included; random gives a new one each time."),
        }
        for control, tip in tips.items():
            control.setToolTip(tip)
            label = form.labelForField(control) or advanced.labelForField(control)
            if label is not None:
                label.setToolTip(tip)
        outer.addWidget(sampling_box)

        # --- structured output -------------------------------------------------------------------------
        output_box = QGroupBox(self.tr("Structured output"))
        output = QVBoxLayout(output_box)
        self.json_enabled = QCheckBox(self.tr("Answer as JSON matching a schema"))
        self.json_enabled.setToolTip(self.tr(
            "Every reply is JSON that fits the schema: a grammar in the sampler allows no other token, at any "
            "temperature, on any model."))
        output.addWidget(self.json_enabled)
        self.schema_edit = QPlainTextEdit()
        self.schema_edit.setAccessibleName(self.tr("JSON schema"))
        self.schema_edit.setPlaceholderText('{"type": "object", "properties": {"answer": {"type": "string"}}, '
                                            '"required": ["answer"]}')
        self.schema_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.schema_edit.setFixedHeight(120)
        output.addWidget(self.schema_edit)
        self.schema_file_button = QPushButton(self.tr("Load a schema from a file…"))
        self.schema_file_button.clicked.connect(self._load_schema_file)
        output.addWidget(self.schema_file_button)
        self.json_enabled.toggled.connect(self._update_schema_visibility)
        outer.addWidget(output_box)

        # --- read aloud: this chat's voice and speed (Settings → Voice has the app's) -------------------------
        voice_box = QGroupBox(self.tr("Read aloud"))
        voice_form = QFormLayout(voice_box)
        self.voice = QComboBox()
        self.voice.setAccessibleName(self.tr("This chat's voice"))
        self.voice.addItem(self.tr("As in Settings"), "")
        voice_form.addRow(self.tr("Voice"), self.voice)
        self.voice_speed = QDoubleSpinBox()
        self.voice_speed.setRange(0.0, 2.0)
        self.voice_speed.setSingleStep(0.1)
        self.voice_speed.setSpecialValueText(self.tr("As in Settings"))
        self.voice_speed.setAccessibleName(self.tr("This chat's reading speed"))
        voice_form.addRow(self.tr("Speed"), self.voice_speed)
        outer.addWidget(voice_box)

        # --- loading -------------------------------------------------------------------------------------
        # Folded: the automatic choices suit nearly everyone.
        load_box = QGroupBox(self.tr("Model loading (applies on reload)"))
        load_outer = QVBoxLayout(load_box)
        self.loading = QWidget()
        self.loading_toggle = FoldButton(self.tr("Context size, GPU layers, threads"),
                                         self.tr("Show or hide the model loading options"), self.loading)
        load_outer.addWidget(self.loading_toggle)
        load_form = QFormLayout(self.loading)
        load_form.setContentsMargins(0, 0, 0, 0)
        load_outer.addWidget(self.loading)
        self.n_ctx = self._int_spin(0, 1_048_576, self.tr("Context size (0: automatic)"))
        self.n_ctx.setSpecialValueText(self.tr("automatic"))
        self.n_ctx.setSingleStep(1024)
        load_form.addRow(self.tr("Context size"), self.n_ctx)
        self.gpu_layers = self._int_spin(-2, 1000, self.tr("GPU layers"))
        self.gpu_layers.setSpecialValueText(self.tr("automatic"))
        self.gpu_layers.setToolTip(
            self.tr("automatic: all layers when a GPU backend is available; -1: all; 0: CPU only"))
        load_form.addRow(self.tr("GPU layers"), self.gpu_layers)
        self.threads = self._int_spin(0, 512, self.tr("CPU threads (0: automatic)"))
        self.threads.setSpecialValueText(self.tr("automatic"))
        load_form.addRow(self.tr("Threads"), self.threads)
        self.reload_button = QPushButton(self.tr("Reload model with these options"))
        self.reload_button.clicked.connect(lambda: self.reloadRequested.emit(self.load_options()))
        load_form.addRow(self.reload_button)
        outer.addWidget(load_box)
        outer.addStretch(1)
        self._outer = outer
        self.setWidget(body)
        self._wheel_guard = WheelGuard(self)
        self._guard_wheel(body)

        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(APPLY_DELAY_MS)
        self._apply_timer.timeout.connect(self._emit_changes)
        for signal in (
            self.template_combo.currentTextChanged, self.custom_edit.textChanged, self.system_prompt.textChanged,
            self.temperature.valueChanged, self.top_p.valueChanged, self.top_k.valueChanged,
            self.min_p.valueChanged, self.repeat_penalty.valueChanged, self.max_tokens.valueChanged,
            self.seed.valueChanged, self.json_enabled.toggled, self.schema_edit.textChanged,
            self.voice.currentIndexChanged, self.voice_speed.valueChanged,
        ):
            signal.connect(self._schedule)
        self.template_combo.currentTextChanged.connect(self._update_custom_visibility)
        self._update_custom_visibility()
        self._update_schema_visibility()

    def set_voices(self, names: list[str]) -> None:
        """The voices a chat may be read with (after the voice models were found or one was downloaded)."""
        chosen = str(self.voice.currentData() or "")
        self._loading = True
        try:
            while self.voice.count() > 1:
                self.voice.removeItem(1)
            for name in names:
                self.voice.addItem(name, name)
            choose(self.voice, chosen)
        finally:
            self._loading = False

    def add_section(self, widget: QWidget) -> None:
        """Another group of settings, below the built-in ones (e.g. the local API server)."""
        self._outer.insertWidget(self._outer.count() - 1, widget)
        self._guard_wheel(widget)

    def _guard_wheel(self, root: QWidget) -> None:
        for widget in root.findChildren(QWidget):
            if isinstance(widget, (QAbstractSpinBox, QAbstractSlider, QComboBox)):
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                widget.installEventFilter(self._wheel_guard)

    @staticmethod
    def _int_spin(low: int, high: int, name: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setAccessibleName(name)
        return spin

    def _update_custom_visibility(self) -> None:
        self.custom_edit.setVisible(self.template_combo.currentText() == "custom")

    def _update_schema_visibility(self) -> None:
        on = self.json_enabled.isChecked()
        self.schema_edit.setVisible(on)
        self.schema_file_button.setVisible(on)

    def _load_schema_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("A JSON schema"), "", self.tr("JSON schema (*.json)"))
        if path:
            try:
                self.schema_edit.setPlainText(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                self.show_error(self.tr("Could not read {path}: {reason}").format(path=path, reason=exc))

    def _schedule(self, *_: object) -> None:
        if not self._loading:
            self._apply_timer.start()

    def _emit_changes(self) -> None:
        chat = self.chat_settings()
        self.settingsChanged.emit(chat)
        self.previewRequested.emit(chat)

    def flush(self) -> None:
        """Apply pending edits now (before a message is sent, so it uses what the user sees)."""
        if self._apply_timer.isActive():
            self._apply_timer.stop()
            self._emit_changes()

    # ----- values --------------------------------------------------------------------------------------
    def chat_settings(self) -> ChatSettings:
        sampling = SamplingParams(
            temperature=round(self.temperature.value(), 4),
            top_p=round(self.top_p.value(), 4),
            top_k=self.top_k.value(),
            min_p=round(self.min_p.value(), 4),
            repeat_penalty=round(self.repeat_penalty.value(), 4),
            seed=self.seed.value(),
            max_tokens=self.max_tokens.value(),
        )
        speed = round(self.voice_speed.value(), 2)
        return ChatSettings(
            sampling, self.template_combo.currentText(), self.custom_edit.toPlainText(),
            self.system_prompt.toPlainText(),
            self.schema_edit.toPlainText() if self.json_enabled.isChecked() else "",
            voice=str(self.voice.currentData() or ""), voice_speed=speed if speed >= 0.5 else 0.0,
        )

    def show_settings(self, chat: ChatSettings, load: LoadOptions) -> None:
        self._loading = True
        try:
            s = chat.sampling
            self.template_combo.setCurrentText(chat.template if chat.template in TEMPLATE_CHOICES else "auto")
            self.custom_edit.setPlainText(chat.custom_template)
            self.system_prompt.setPlainText(chat.system_prompt)
            self.temperature.setValue(s.temperature)
            self.top_p.setValue(s.top_p)
            self.top_k.setValue(s.top_k)
            self.min_p.setValue(s.min_p)
            self.repeat_penalty.setValue(s.repeat_penalty)
            self.max_tokens.setValue(s.max_tokens)
            self.seed.setValue(s.seed)
            self.json_enabled.setChecked(bool(chat.output_schema.strip()))
            if chat.output_schema.strip():
                self.schema_edit.setPlainText(chat.output_schema)
            choose(self.voice, chat.voice)  # (one no longer here: the app's is used meanwhile)
            self.voice_speed.setValue(chat.voice_speed)
            self.n_ctx.setValue(load.n_ctx or 0)
            self.gpu_layers.setValue(-2 if load.n_gpu_layers is None else load.n_gpu_layers)
            self.threads.setValue(load.n_threads or 0)
        finally:
            self._loading = False
        self._update_custom_visibility()
        self._update_schema_visibility()

    def load_options(self) -> LoadOptions:
        return LoadOptions(
            n_ctx=self.n_ctx.value() or None,
            n_threads=self.threads.value() or None,
            n_gpu_layers=None if self.gpu_layers.value() == -2 else self.gpu_layers.value(),
        )

    def show_preview(self, preview: Preview) -> None:
        if preview.error:
            self.template_info.setText(f"<span style='color:#c0392b'>{preview.error}</span>")
            self.preview.setPlainText("")
            return
        info = self.tr("{template} · %n token(s)", "", preview.token_count).format(template=preview.template_name)
        if preview.output is not None:
            info += " · " + self.tr("the reply is held to the JSON schema (a grammar in the sampler)")
        self.template_info.setText(info)
        self.preview.setPlainText(preview.text)

    def add_first(self, section: QWidget) -> None:
        """A section above the others (the preset picker)."""
        self._sections.insertWidget(0, section)

    def show_error(self, message: str) -> None:
        self.template_info.setText(f"<span style='color:#c0392b'>{message}</span>")
