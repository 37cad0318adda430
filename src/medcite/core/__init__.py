"""The core: typed objects, errors, settings, the Protocols of every swappable part, the registry
and the one JSON serialiser. It imports nothing else of medcite."""
