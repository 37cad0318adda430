"""Ingest: loaders per format -> clean text with structure -> chunker -> store."""
