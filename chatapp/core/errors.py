"""Errors the user is meant to read.

A `KnownError` carries one sentence that says what is wrong and what to do; the CLI prints it on one
line and the GUI shows it in the window. Anything else that escapes is a bug and keeps its traceback.

Translation without Qt in the core: a sentence is raised as an English template marked with
`QT_TRANSLATE_NOOP("core", ...)` plus its values as keywords (a value may itself be a `Phrase`).
pyside6-lupdate finds the marker by name and puts the template in the catalogue; the window
translates the template and fills in the values (services/i18n.py). The CLI prints the English
sentence. An f-string raised the old way is shown untranslated, never wrongly.
"""

from __future__ import annotations


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark `text` for the translation catalogue; returns it unchanged."""
    return text


class Phrase:
    """A translatable part of a sentence (e.g. "Downloading {file}" before ": the hub cannot be reached")."""

    def __init__(self, template: str, /, **values: object) -> None:
        self.template = template
        self.values = values

    def __str__(self) -> str:
        return self.template.format(**self.values) if self.values else self.template


class KnownError(Exception):
    """A problem caused by the user's input or environment, with a message fit to show them."""

    def __init__(self, message: str, /, **values: object) -> None:
        self.template = message
        self.values = values
        super().__init__(message.format(**values) if values else message)


class ModelFileError(KnownError):
    """The model file cannot be used: missing, not GGUF, truncated, unsupported, too big."""


class TemplateError(KnownError):
    """A prompt template is invalid, unsafe, or failed to render."""


class TemplateBudgetError(TemplateError):
    """A template used more than its budget of time or sizes (runtime/template_budget.py); `what` says
    what it tried, a phrase for the sentence that names the model."""

    def __init__(self, what: Phrase) -> None:
        super().__init__(QT_TRANSLATE_NOOP("core", "The template {what} and was stopped."), what=what)
        self.what = what


class SettingsError(KnownError):
    """A generation or app setting is out of range."""


class ContextOverflowError(KnownError):
    """The new message alone does not fit in the model's context window."""


class EngineStateError(KnownError):
    """An operation needs a loaded model and there is none."""
