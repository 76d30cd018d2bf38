"""Qt services: worker threads and controllers between the window and the core (QtCore only)."""
