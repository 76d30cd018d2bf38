"""What is kept on disk: history, settings, secrets, paths and logs."""
