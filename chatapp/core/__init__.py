"""Plain-Python heart of chatapp: engine, templates, model files, storage. Never imports Qt."""
