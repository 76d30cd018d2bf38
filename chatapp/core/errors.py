"""Errors the user is meant to read.

A `KnownError` carries one sentence that says what is wrong and what to do; the CLI prints it on one
line and the GUI shows it in the window. Anything else that escapes is a bug and keeps its traceback.
"""


class KnownError(Exception):
    """A problem caused by the user's input or environment, with a message fit to show them."""


class ModelFileError(KnownError):
    """The model file cannot be used: missing, not GGUF, truncated, unsupported, too big."""


class TemplateError(KnownError):
    """A prompt template is invalid, unsafe, or failed to render."""


class SettingsError(KnownError):
    """A generation or app setting is out of range."""


class ContextOverflowError(KnownError):
    """The new message alone does not fit in the model's context window."""


class EngineStateError(KnownError):
    """An operation needs a loaded model and there is none."""
