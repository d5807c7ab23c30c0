"""Hearth: a local-first agentic AI backend."""

__version__ = "0.1.0"
