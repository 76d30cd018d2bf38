"""Running a model: the engine and its llama.cpp plumbing, sampling, speculation, templates, the model thread."""
