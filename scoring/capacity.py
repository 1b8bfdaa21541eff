"""Reading sales capacity (teams, reps, capacity, open leads, filters) from TOML or CSV text.

TOML: ``[[team]]`` tables with ``name`` and optional ``territory``/``tiers``, each with ``[[team.rep]]``
tables (``name``, ``capacity``, ``open_leads``, optional ``territory``/``tiers`` overriding the team's).
CSV: a header ``team,rep,capacity,open_leads,territory,tiers``; territory and tiers are lists
separated by ``|``, ``;`` or spaces, empty for "any". Rep names are unique across teams.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from scoring.documents import Document, canonical_text, parse_toml, validate
from scoring.errors import CapacityError, DefinitionProblem
from scoring.handoff import Rep

CSV_COLUMNS = ("team", "rep", "capacity", "open_leads", "territory", "tiers")
_LIST_SEPARATOR = re.compile(r"[|;\s,]+")


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _RepSpec(_Strict):
    name: str = Field(min_length=1)
    capacity: int = Field(ge=0)
    open_leads: int = Field(default=0, ge=0)
    territory: list[str] | None = None
    tiers: list[str] | None = None


class _TeamSpec(_Strict):
    name: str = Field(min_length=1)
    territory: list[str] | None = None
    tiers: list[str] | None = None
    rep: list[_RepSpec] = Field(default_factory=list)


class _CapacitySpec(_Strict):
    team: list[_TeamSpec] = Field(min_length=1)


def _codes(values: Sequence[str] | None, *, upper: bool) -> frozenset[str] | None:
    """The non-blank values as a set, or None (no filter) when there are none."""
    cleaned = frozenset(
        value.strip().upper() if upper else value.strip() for value in values or () if value.strip()
    )
    return cleaned or None


def _check_unique(reps: list[Rep], places: list[tuple[str, int | None, str]]) -> list[DefinitionProblem]:
    seen: set[str] = set()
    problems = []
    for rep, (source, line, path) in zip(reps, places, strict=True):
        if rep.name in seen:
            problems.append(DefinitionProblem(source, line, path, f"rep '{rep.name}' is listed twice"))
        seen.add(rep.name)
    return problems


def parse_capacity_toml(data: bytes | str, source: str = "<capacity>") -> list[Rep]:
    """Reps from a capacity TOML file, or :class:`CapacityError` with every problem and its line."""
    document: Document = parse_toml(canonical_text(data), source, CapacityError)
    spec: _CapacitySpec | None = validate(document, _CapacitySpec)
    document.raise_if_problems(CapacityError)
    assert spec is not None
    reps: list[Rep] = []
    places: list[tuple[str, int | None, str]] = []
    for team_index, team in enumerate(spec.team):
        for rep_index, rep in enumerate(team.rep):
            territory = rep.territory if rep.territory is not None else team.territory
            tiers = rep.tiers if rep.tiers is not None else team.tiers
            reps.append(
                Rep(
                    rep.name,
                    team.name,
                    rep.capacity,
                    rep.open_leads,
                    _codes(territory, upper=True),
                    _codes(tiers, upper=False),
                )
            )
            path = ("team", team_index, "rep", rep_index, "name")
            places.append((source, document.lines.get(path), f"team[{team_index}].rep[{rep_index}].name"))
    if problems := _check_unique(reps, places):
        raise CapacityError(source, problems)
    return reps


def _whole_number(text: str, column: str, problems: list[str]) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        problems.append(f"{column}: must be a whole number, got {text!r}")
        return 0
    if value < 0:
        problems.append(f"{column}: must not be negative, got {value}")
    return value


def parse_capacity_csv(data: bytes | str, source: str = "<capacity>") -> list[Rep]:
    """Reps from a capacity CSV (header ``team,rep,capacity,open_leads,territory,tiers``)."""
    reader = csv.DictReader(io.StringIO(canonical_text(data)))
    missing = [column for column in CSV_COLUMNS[:4] if column not in (reader.fieldnames or [])]
    if missing:
        reason = f"missing columns: {', '.join(missing)} (the header is {','.join(CSV_COLUMNS)})"
        raise CapacityError(source, [DefinitionProblem(source, 1, "", reason)])
    reps: list[Rep] = []
    places: list[tuple[str, int | None, str]] = []
    all_problems: list[DefinitionProblem] = []
    for row in reader:
        line = reader.line_num
        problems: list[str] = []
        team, name = (row.get("team") or "").strip(), (row.get("rep") or "").strip()
        if not team or not name:
            problems.append("team and rep must not be empty")
        capacity = _whole_number(row.get("capacity") or "", "capacity", problems)
        open_leads = _whole_number(row.get("open_leads") or "0", "open_leads", problems)
        all_problems += [DefinitionProblem(source, line, "", reason) for reason in problems]
        territory = _LIST_SEPARATOR.split(row.get("territory") or "")
        tiers = _LIST_SEPARATOR.split(row.get("tiers") or "")
        reps.append(
            Rep(name, team, capacity, open_leads, _codes(territory, upper=True), _codes(tiers, upper=False))
        )
        places.append((source, line, "rep"))
    all_problems += _check_unique(reps, places)
    if not reps and not all_problems:
        all_problems.append(DefinitionProblem(source, None, "", "no reps listed"))
    if all_problems:
        raise CapacityError(source, all_problems)
    return reps
