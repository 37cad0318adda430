"""Retrieval: embedder, FAISS vectors, BM25, fusion, and the retriever that combines them."""
