"""Chat with local documents: reading, chunking, embedding through llama.cpp, SQLite storage and hybrid
search. Plain Python (no Qt); `collections.Documents` is the entry point. See docs/ARCHITECTURE.md."""
