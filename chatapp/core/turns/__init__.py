"""A turn's life in one place: the user's message, the reply streamed and saved as it goes, its end.

`chatapp chat`, the window and (for the reply alone) the API server all run turns through
`runner.py`; they differ only in their sink (terminal, signals, HTTP) and in where the turn is saved.
"""
