"""Errors of the scoring core. ``scoring/`` must not import ``enrich``; the CLI maps these to its own tree.

Every problem names its place: ``rules.toml:14: fit.rule[2].when: unknown field 'employes'``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefinitionProblem:
    """One thing wrong at one place of a ruleset or capacity file."""

    source: str
    line: int | None
    path: str  # dotted key path with 0-based array indexes, e.g. "fit.rule[2].when"
    reason: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.path}: {self.reason}" if self.path else f"{where}: {self.reason}"


class ScoringError(Exception):
    """Base of every error the scoring core raises on purpose."""


class DefinitionError(ScoringError):
    """A file defining scoring behaviour cannot be used. Carries every problem found, not just the first."""

    kind = "definition"

    def __init__(self, source: str, problems: list[DefinitionProblem]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"invalid {self.kind} {source}: {count} problem{'s' if count != 1 else ''}\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )


class RulesetError(DefinitionError):
    """The ruleset TOML is malformed, mistyped or contradicts itself."""

    kind = "ruleset"


class CapacityError(DefinitionError):
    """The capacity file (teams, reps, open leads) cannot be used."""

    kind = "capacity file"


class ExpressionError(ValueError):
    """A condition does not parse or does not type-check; ``position`` is the 0-based character offset."""

    def __init__(self, reason: str, position: int | None = None) -> None:
        self.reason = reason
        self.position = position
        super().__init__(reason if position is None else f"{reason} (at character {position + 1})")
