"""Where the CLI's ruleset comes from, how its problems are reported, and the options scoring commands share.

The ruleset is ``--ruleset``, else ``LEADSCORE_RULESET``, else the bundled
``examples/rulesets/saas-icp.toml``. A scoring-side :class:`DefinitionError` (ruleset or capacity
file) becomes an :class:`InputError` whose problems print as ``file:line: key: reason`` (exit 2).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from enrich.clock import utc_now
from enrich.config import Settings, default_examples_dir
from enrich.errors import ConfigError, InputError, Problem
from scoring.errors import DefinitionError
from scoring.ruleset import Ruleset, load_ruleset

DEFAULT_RULESET = Path("rulesets") / "saas-icp.toml"

RulesetOption = Annotated[
    Path | None,
    typer.Option(
        "--ruleset", help="Ruleset TOML (default: LEADSCORE_RULESET, else the bundled saas-icp.toml)."
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="DATE", help="Score as of this UTC date or time (default: now), e.g. 2024-06-01."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def definition_problems(err: DefinitionError) -> InputError:
    """A scoring-side definition error (ruleset, capacity file) as the CLI's InputError, problems kept."""
    problems = [
        Problem(problem.source, problem.line, problem.path or None, problem.reason)
        for problem in err.problems
    ]
    noun = "ruleset" if err.kind == "ruleset" else err.kind
    return InputError(f"the {noun} {err.source} cannot be used", problems)


def ruleset_path(settings: Settings, override: Path | None) -> Path:
    return override or settings.ruleset or default_examples_dir() / DEFAULT_RULESET


def load_configured_ruleset(settings: Settings, override: Path | None = None) -> Ruleset:
    """The ruleset to score with; ConfigError when unreadable, InputError (exit 2) listing its problems."""
    path = ruleset_path(settings, override)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the ruleset {path}: {exc.strerror}",
            hint="pass --ruleset FILE or set LEADSCORE_RULESET (examples/rulesets/ has two to copy)",
        ) from exc
    try:
        return load_ruleset(data, str(path))
    except DefinitionError as err:
        raise definition_problems(err) from err


def parse_as_of(text: str | None) -> datetime:
    """``2024-06-01`` (00:00 UTC that day) or an ISO time; naive times are UTC. Default: now."""
    if text is None:
        return utc_now()
    try:
        moment = datetime.fromisoformat(text) if "T" in text or " " in text else None
        if moment is None:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    except ValueError as exc:
        raise InputError(
            f"--as-of: not a date or ISO time: {text!r}", hint="e.g. 2024-06-01 or 2024-06-01T12:00"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
