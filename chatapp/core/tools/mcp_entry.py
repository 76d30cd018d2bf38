"""An mcp.json entry as pydantic validates it: kept apart from `mcp_config` so that reading the window's
settings does not import pydantic before the window is shown (it is imported with the first mcp.json
that has servers)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chatapp.core.tools.mcp_config import DEFAULT_TIMEOUT_S


class Entry(BaseModel):
    """One server of an mcp.json (LM Studio's, Claude Desktop's and Cursor's shape), validated."""

    model_config = ConfigDict(extra="allow")
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    disabled: bool = False
    timeout: float = Field(default=DEFAULT_TIMEOUT_S, gt=0, le=3600)

    @model_validator(mode="after")
    def _one_transport(self) -> Entry:
        if bool(self.command) == bool(self.url):
            raise ValueError("give either a command (stdio) or a url (Streamable HTTP)")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("the url must start with http:// or https://")
        return self
