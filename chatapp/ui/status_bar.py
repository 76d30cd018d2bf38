"""The status bar: what the model is doing. The model in use (and its load progress), how fast the
reply goes, how much of the context is used, messages left out to fit it, the template, and the local
API server's address and request count."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from chatapp.core.types import ModelSummary


class StatusBar(QStatusBar):
    def __init__(self) -> None:
        super().__init__()
        self.model_label = QLabel(self.tr("No model loaded"))
        self.model_label.setAccessibleName(self.tr("Model"))
        self.load_progress = QProgressBar()
        self.load_progress.setRange(0, 100)
        self.load_progress.setMaximumWidth(160)
        self.load_progress.setAccessibleName(self.tr("Model loading progress"))
        self.load_progress.hide()
        self.speed_label = QLabel()
        self.speed_label.setAccessibleName(self.tr("Generation speed"))
        self.context_label = QLabel()
        self.context_label.setAccessibleName(self.tr("Context used"))
        self.notice_label = QLabel()
        self.notice_label.setStyleSheet("color: #b9770e;")
        self.template_label = QLabel()
        self.template_label.setAccessibleName(self.tr("Prompt template in use"))
        self.api_label = QLabel()
        self.api_label.setAccessibleName(self.tr("Local API server"))
        self.api_label.hide()
        self.addWidget(self.model_label)
        self.addWidget(self.load_progress)
        self.addPermanentWidget(self.notice_label)
        self.addPermanentWidget(self.template_label)
        self.addPermanentWidget(self.speed_label)
        self.addPermanentWidget(self.context_label)
        self.addPermanentWidget(self.api_label)
        self._reply_started_at = 0.0

    # ----- the model --------------------------------------------------------------------------------------
    def show_loading(self, path: str) -> None:
        self.model_label.setText(self.tr("Loading {name}…").format(name=Path(path).name))
        self.load_progress.setValue(0)
        self.load_progress.show()

    def show_progress(self, fraction: float) -> None:
        self.load_progress.setValue(round(fraction * 100))

    def show_model(self, summary: ModelSummary) -> None:
        self.load_progress.hide()
        self.model_label.setText(self.tr("{name} · {backend} · %n thread(s)", "", summary.n_threads).format(
            name=summary.name, backend=summary.backend))
        self.model_label.setToolTip(self.tr("{path}\ntemplate: {template} ({note})").format(
            path=summary.path, template=summary.template_name, note=summary.template_note))
        self.context_label.setText(self.tr("context {used:,} / {size:,}").format(used=0, size=summary.context_size))
        self.template_label.setText(self.tr("template {name}").format(name=summary.template_name))
        self.template_label.setToolTip(summary.template_note)

    def show_no_model(self) -> None:
        self.load_progress.hide()
        self.model_label.setText(self.tr("No model loaded"))

    # ----- the reply ----------------------------------------------------------------------------------------
    def show_reply_started(self) -> None:
        self.speed_label.setText(self.tr("reading the prompt…"))
        self._reply_started_at = time.monotonic()

    def show_first_text(self) -> None:
        """The reply's first text arrived (said once per reply)."""
        if self._reply_started_at:
            self.speed_label.setText(self.tr("writing… (first token after {seconds:.2f} s)").format(
                seconds=time.monotonic() - self._reply_started_at))
            self._reply_started_at = 0.0

    def show_stats(self, stats: dict[str, Any]) -> None:
        if not stats:
            self.speed_label.setText(self.tr("stopped"))
            return
        self.speed_label.setText(
            self.tr("{rate:.1f} tok/s · first token {seconds:.2f} s").format(
                rate=float(stats.get("tokens_per_s", 0)), seconds=float(stats.get("ttft_s", 0)))
        )
        self.context_label.setText(self.tr("context {used:,} / {size:,}").format(
            used=int(stats.get("context_used", 0)), size=int(stats.get("context_size", 0))))
        dropped = int(stats.get("dropped_messages", 0) or 0)
        self.notice_label.setText(
            self.tr("%n oldest message(s) left out to fit the context", "", dropped) if dropped else "")

    # ----- the local API server -------------------------------------------------------------------------------
    def show_api_server(self, url: str | None, requests: int = 0) -> None:
        """The local API server's address and how many requests it has answered; None: it is off."""
        if url is None:
            self.api_label.hide()
            return
        self.api_label.setText(self.tr("API {url} · %n request(s)", "", requests).format(url=url))
        self.api_label.show()
