"""Retrieval-augmented generation: parsing, chunking, embedding, indexing, retrieval and evaluation."""
