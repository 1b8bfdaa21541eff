"""What every command gets: the Settings built once at the edge, consoles, and a lazily opened store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from enrich.config import Settings
from enrich.store.db import check_schema, create_store_engine

# The ANSI alternative comes first, so a whole escape sequence goes, not just its ESC byte.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: object) -> str:
    """Strip control characters and ANSI escapes: values can come from hostile web pages."""
    return _CONTROL.sub("", str(text))


@dataclass
class AppContext:
    settings: Settings
    console: Console = field(default_factory=Console)
    err_console: Console = field(default_factory=lambda: Console(stderr=True))
    _engine: Engine | None = None

    def engine(self, *, check: bool = True) -> Engine:
        """The store's Engine; the schema is checked (and created in an empty database) once."""
        if self._engine is None:
            self._engine = create_store_engine(self.settings.database_url)
            if check:
                check_schema(self._engine)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def app_context(ctx: typer.Context) -> AppContext:
    obj: Any = ctx.find_root().obj
    assert isinstance(obj, AppContext), "the root callback sets up the AppContext"
    return obj
