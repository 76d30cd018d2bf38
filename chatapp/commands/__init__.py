"""`chatapp` subcommands that grew past a few lines, one module each (cli.py wires them in)."""
