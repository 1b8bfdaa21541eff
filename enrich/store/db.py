"""Opening the store: engine creation, SQLite pragmas, Alembic migrations and the schema check at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from enrich.errors import ConfigError, SchemaMismatch, UpstreamError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_store_engine(database_url: str) -> Engine:
    """An Engine for ``database_url``; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise ConfigError(
            f"invalid database URL {database_url!r}",
            hint="use e.g. sqlite:///leadscore.db or postgresql+psycopg://user@host/db",
        ) from exc
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            parent = Path(url.database).expanduser().resolve().parent
            if not parent.is_dir():
                raise ConfigError(f"database directory does not exist: {parent}")
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            f"unsupported database URL {url.render_as_string(hide_password=True)!r}: {exc}",
            hint="leadscore supports sqlite:///FILE and postgresql+psycopg://USER@HOST/DB",
        ) from exc


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise UpstreamError(f"cannot open the database: {exc.orig}") from exc


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Upgrade to the newest schema. Returns (revision before, revision after)."""
    before = current_revision(engine)
    _refuse_unknown_revision(before)
    try:
        command.upgrade(_alembic_config(engine), "head")
    except SQLAlchemyError as exc:
        raise UpstreamError(f"migration failed: {exc}") from exc
    return before, head_revision()


def _refuse_unknown_revision(revision: str | None) -> None:
    if revision is None:
        return
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    try:
        scripts.get_revision(revision)
    except Exception as exc:  # alembic raises several kinds for an unknown revision
        raise SchemaMismatch(
            f"the database schema (revision {revision}) is newer than this leadscore",
            hint="upgrade leadscore (pip install -U leadscore) before using this database",
        ) from exc


def check_schema(engine: Engine, *, auto_create: bool = True) -> None:
    """Make sure the schema matches the code, creating it in an empty database.

    An empty database (no tables at all) is initialised on the spot, so the first command on a new
    SQLite file just works. A database at an older revision needs ``leadscore init`` (explicit,
    because upgrades of shared PostgreSQL databases should be deliberate); a newer one is refused.
    """
    revision = current_revision(engine)
    _refuse_unknown_revision(revision)
    if revision == head_revision():
        return
    if revision is None:
        with engine.connect() as connection:
            has_tables = bool(inspect(connection).get_table_names())
        if not has_tables and auto_create:
            migrate(engine)
            return
        raise SchemaMismatch(
            "this database has tables but no leadscore schema revision",
            hint="point --db at a leadscore database, or at an empty one",
        )
    raise SchemaMismatch(
        f"the database schema is at revision {revision}, this leadscore needs {head_revision()}",
        hint="run `leadscore init` to upgrade it",
    )
