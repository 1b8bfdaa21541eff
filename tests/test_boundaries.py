"""The scoring core stays pure: no I/O library is imported anywhere under scoring/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCORING = Path(__file__).resolve().parent.parent / "scoring"
FORBIDDEN = {
    "httpx",
    "openai",
    "bs4",
    "requests",
    "urllib",
    "socket",
    "sqlalchemy",
    "alembic",
    "subprocess",
    "enrich",
    "typer",
    "rich",
    "asyncio",
    "aiohttp",
    "shutil",
    "tempfile",
}
FORBIDDEN_CALLS = {"open"}


def _modules() -> list[Path]:
    return sorted(SCORING.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_scoring_module_imports_no_io_library(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            root = name.split(".")[0]
            assert root not in FORBIDDEN, (
                f"{path.name}:{node.lineno} imports {name}: scoring/ must stay I/O-free"
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {node.func.id}()"
