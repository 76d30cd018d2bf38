"""The OpenAI-compatible HTTP API (plain Python: the window and `chatapp serve` both run it)."""
