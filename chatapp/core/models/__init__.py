"""Model files: GGUF headers, the library folder, the hub, downloads, memory estimates."""
