"""Reproducible training of medcite's own models (citation-support judge, medical reranker)."""
