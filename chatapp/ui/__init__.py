"""Widgets. Never imports llama_cpp, huggingface_hub or sqlite3: it talks to services."""
