"""Entry point of the frozen app (PyInstaller runs this file as a script)."""

import sys

from chatapp.cli import main

sys.exit(main())
