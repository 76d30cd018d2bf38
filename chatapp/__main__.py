"""`python -m chatapp` runs the same entry point as the `chatapp` command."""

import sys

from chatapp.cli import main

sys.exit(main())
