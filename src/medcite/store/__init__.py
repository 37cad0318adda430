"""The store: SQLite chunk store, FAISS vector index, BM25 lexical index and the versioned index
directory that holds them together."""
