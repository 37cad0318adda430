"""The command line: `medcite` (main.py builds the app from one module per command group)."""
