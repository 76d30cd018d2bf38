"""Models that act: tool-call formats by template family, parsing calls from a reply as it streams,
and MCP servers as a source of tools (the loop that runs them is in core/turns)."""
