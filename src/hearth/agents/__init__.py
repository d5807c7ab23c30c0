"""Agents: tools, the run loop, MCP servers and handoff."""
