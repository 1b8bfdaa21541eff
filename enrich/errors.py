"""One error tree for leadscore. Vendor errors are mapped to these where they enter.

Only the CLI turns them into exit codes (see ``ExitCode``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2  # usage, configuration or input problems
    UPSTREAM = 3  # a service we depend on is unavailable
    NEEDS_REVIEW = 4  # finished, but items await a reviewer


class LeadscoreError(Exception):
    """Base of every error leadscore raises on purpose."""

    exit_code: ExitCode = ExitCode.UNEXPECTED
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class ConfigError(LeadscoreError):
    """Settings, ruleset, mapping or database state that cannot be used."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place of an input: ``file:line: column: reason``."""

    source: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class InputError(LeadscoreError):
    """Bad user input. Carries every problem found, not just the first."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, problems: list[Problem] | None = None, *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.problems: list[Problem] = problems or []


class SchemaMismatch(ConfigError):
    """The database's schema revision does not match this code."""


class UpstreamError(LeadscoreError):
    """A remote service (website, LLM API, database server) failed or is unreachable."""

    exit_code = ExitCode.UPSTREAM


class FetchRefused(LeadscoreError):
    """A URL was refused before any connection: scheme, address class, robots.txt, size, time."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, reason: str, url: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.url = url


class BudgetExceeded(LeadscoreError):
    """The run's token or money budget would be exceeded by the next call."""

    exit_code = ExitCode.OK


class LockHeld(LeadscoreError):
    """Another run holds the lock this run needs (e.g. a second cleanup)."""

    exit_code = ExitCode.OK


class ConflictError(LeadscoreError):
    """Someone else changed the record first (optimistic locking, atomic claims)."""

    exit_code = ExitCode.USAGE
