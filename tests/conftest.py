"""Shared fixtures: a fresh SQLite store per test, a session-wide throwaway PostgreSQL, the CLI runner."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from enrich.cli.main import main
from enrich.store.db import check_schema, create_store_engine
from tests.postgres import find_binary, throwaway_cluster

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env, leadscore.toml or API keys."""
    for name in list(os.environ):
        if name.startswith("LEADSCORE_") or name.startswith("OPENAI_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'leadscore.db'}"


def _migrated_store(url: str) -> Iterator[Engine]:
    engine = create_store_engine(url)
    check_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite store, fresh for each test."""
    yield from _migrated_store(sqlite_url)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    if not (find_binary("initdb") and find_binary("pg_ctl")):
        if IN_CI:
            pytest.fail("PostgreSQL binaries are required in CI (initdb, pg_ctl)")
        pytest.skip("PostgreSQL server binaries not installed")
    with throwaway_cluster() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's cluster."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Engine]:
    """A migrated PostgreSQL store on a fresh database."""
    yield from _migrated_store(postgres_url)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``leadscore ARGS`` in-process through the real entry point; returns exit code and output."""

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
