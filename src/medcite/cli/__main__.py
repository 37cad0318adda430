"""`python -m medcite.cli ...` runs the command line."""

from medcite.cli.main import run

run()
