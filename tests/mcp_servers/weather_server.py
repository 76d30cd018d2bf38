"""A real MCP server for the tests, written with the official SDK: a weather lookup, an adder, a tool
that takes its time (to test timeouts and Stop), one that fails, and its own process id.

    python weather_server.py                 # stdio
    python weather_server.py http PORT       # Streamable HTTP on http://127.0.0.1:PORT/mcp
"""

from __future__ import annotations

import os
import sys

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("weather", instructions="Weather for the chatapp tests", log_level="WARNING")
FORECASTS = {"paris": "Sunny, 24 °C", "lisbon": "Windy, 19 °C", "oslo": "Snow, -3 °C"}


@server.tool()
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return FORECASTS.get(city.strip().lower(), f"No forecast for {city}.")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
async def wait(seconds: float) -> str:
    """Wait this many seconds, then say so."""
    await anyio.sleep(seconds)
    return f"waited {seconds} s"


@server.tool()
def broken() -> str:
    """Always fails."""
    raise ToolError("the weather station is offline")


@server.tool()
def pid() -> int:
    """This server's process id."""
    return os.getpid()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]), streamable_http_path="/mcp")
    else:
        server.run("stdio")
