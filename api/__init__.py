"""HTTP API (FastAPI): /ask, /search, /health and a small question page."""
