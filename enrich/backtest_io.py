"""The store side of backtests and journey reports: outcomes files, accounts as of a decision date.

An outcomes file is a CSV with an ``outcome`` column (0/1, won/lost …), a ``decision_date`` column, and
one column naming the account: ``account_id`` (or ``id``), ``crm_id`` or ``domain``. One account may have
several rows (several opportunities); each is one labelled case.

No peeking: a case is scored with the activities *before* its decision date only (a date without a time
means the start of that day, UTC), so what happened during or after the sale cannot explain the sale.
The account's firmographic columns are today's values; their history lives in ``field_value``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select

from enrich.crm.dates import parse_timestamp
from enrich.crm.reader import iter_rows, read_format
from enrich.errors import InputError, Problem
from enrich.leads_csv import clean_cell
from enrich.store.schema import account, activity, contact
from scoring.backtest import ACCEPTED_OUTCOMES, CaseRecorder, parse_outcome, tier_label
from scoring.engagement import Activity, EngagementPolicy, furthest_phase
from scoring.engine import score_account
from scoring.fields import account_record, contact_record
from scoring.journey import AssetUsage, JourneyOutcome, furthest_phase_reached
from scoring.persona import ContactInput
from scoring.ruleset import Ruleset

KEY_COLUMNS = ("account_id", "id", "crm_id", "domain")  # first one present in the header wins
BATCH = 500


@dataclass(frozen=True)
class OutcomeRow:
    line: int
    key: str
    won: bool
    decided_at: datetime


@dataclass(frozen=True)
class OutcomesFile:
    source: str
    key_column: str  # "account_id", "crm_id" or "domain"
    rows: tuple[OutcomeRow, ...]


def read_outcomes(path: Path, *, now: datetime) -> OutcomesFile:
    """Read and check every row; all problems are raised together, each with its line."""
    csv_format = read_format(path)
    header = [name.strip().lower() for name in csv_format.header]
    key_name = next((name for name in KEY_COLUMNS if name in header), None)
    missing = [name for name in ("outcome", "decision_date") if name not in header]
    if key_name is None or missing:
        needed = ([] if key_name else ["account_id, crm_id or domain"]) + missing
        raise InputError(
            f"{path.name}: the outcomes file needs the column(s) {'; '.join(needed)}",
            hint="header example: account_id,outcome,decision_date",
        )
    key_at, outcome_at, date_at = (
        header.index(key_name),
        header.index("outcome"),
        header.index("decision_date"),
    )
    rows: list[OutcomeRow] = []
    problems: list[Problem] = []
    for row in iter_rows(path, csv_format):
        cells = row.cells + ("",) * (len(header) - len(row.cells))
        key = clean_cell(cells[key_at])
        won = parse_outcome(cells[outcome_at])
        if key is None:
            problems.append(Problem(path.name, row.line, key_name, "no account given"))
        if won is None:
            shown = cells[outcome_at].strip() or "(empty)"
            problems.append(
                Problem(
                    path.name, row.line, "outcome", f"outcome {shown!r} is not one of {ACCEPTED_OUTCOMES}"
                )
            )
        try:
            decided_at = parse_timestamp(cells[date_at], now=now)
        except ValueError as exc:
            problems.append(Problem(path.name, row.line, "decision_date", str(exc)))
            continue
        if key is not None and won is not None:
            rows.append(OutcomeRow(row.line, key, won, decided_at))
    if problems:
        raise InputError(f"{path.name}: rows that cannot be used", problems)
    if not rows:
        raise InputError(f"{path.name}: no outcome rows after the header")
    return OutcomesFile(path.name, "account_id" if key_name == "id" else key_name, tuple(rows))


@dataclass(frozen=True)
class Case:
    account_id: int
    won: bool
    decided_at: datetime


@dataclass(frozen=True)
class ResolvedOutcomes:
    cases: tuple[Case, ...]
    unknown: tuple[OutcomeRow, ...]  # rows naming no account in the store


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key(kind: str, key: str) -> str:
    return key.lower() if kind == "domain" else key


def resolve_outcomes(conn: Connection, outcomes: OutcomesFile, *, ignore_unknown: bool) -> ResolvedOutcomes:
    """Map each row to a stored account. Unknown ids raise InputError listing them (with their lines)
    unless ``ignore_unknown``, which returns them for a warning instead."""
    kind = outcomes.key_column
    column = account.c.id if kind == "account_id" else account.c[kind]
    keys = sorted({_key(kind, row.key) for row in outcomes.rows})
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        values: list[Any] = (
            [int(key) for key in chunk if key.isdigit()] if kind == "account_id" else list(chunk)
        )
        if values:
            for account_id, key in conn.execute(select(account.c.id, column).where(column.in_(values))):
                found[_key(kind, str(key))] = int(account_id)
    cases = tuple(
        Case(found[_key(kind, row.key)], row.won, row.decided_at)
        for row in outcomes.rows
        if _key(kind, row.key) in found
    )
    unknown = tuple(row for row in outcomes.rows if _key(kind, row.key) not in found)
    if unknown and not ignore_unknown:
        problems = [
            Problem(outcomes.source, row.line, kind, f"no account {row.key!r} in the store")
            for row in unknown
        ]
        raise InputError(
            f"{outcomes.source}: {len(unknown)} row(s) name accounts that are not in the store",
            problems,
            hint="import those accounts first, or pass --ignore-unknown to leave these rows out",
        )
    return ResolvedOutcomes(cases, unknown)


@dataclass
class StoredAccount:
    """An account with its contacts and every activity linked to it or to them."""

    id: int
    columns: dict[str, Any]
    contacts: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    contact_activities: dict[int, list[Activity]] = field(default_factory=lambda: defaultdict(list))
    own_activities: list[Activity] = field(default_factory=list)

    def contacts_before(self, moment: datetime) -> list[ContactInput]:
        return [
            ContactInput(
                contact_id,
                contact_record(columns),
                tuple(a for a in self.contact_activities[contact_id] if a.occurred_at < moment),
            )
            for contact_id, columns in self.contacts
        ]

    def own_before(self, moment: datetime) -> tuple[Activity, ...]:
        return tuple(a for a in self.own_activities if a.occurred_at < moment)


def load_accounts(conn: Connection, account_ids: Sequence[int]) -> dict[int, StoredAccount]:
    """The accounts (at most a batch of ids at a time is sensible) with contacts and activities."""
    accounts = {
        int(row.id): StoredAccount(int(row.id), dict(row._mapping))
        for row in conn.execute(select(account).where(account.c.id.in_(list(account_ids))))
    }
    owner: dict[int, int] = {}
    for row in conn.execute(select(contact).where(contact.c.account_id.in_(list(accounts)))):
        accounts[int(row.account_id)].contacts.append((int(row.id), dict(row._mapping)))
        owner[int(row.id)] = int(row.account_id)
    linked = or_(activity.c.account_id.in_(list(accounts)), activity.c.contact_id.in_(list(owner)))
    query = select(
        activity.c.contact_id,
        activity.c.account_id,
        activity.c.kind,
        activity.c.asset,
        activity.c.occurred_at,
    )
    for row in conn.execute(query.where(linked)):
        event = Activity(row.kind, row.asset, row.occurred_at, row.contact_id)
        if row.contact_id is not None and row.contact_id in owner:
            accounts[owner[row.contact_id]].contact_activities[row.contact_id].append(event)
        elif row.account_id in accounts:
            accounts[int(row.account_id)].own_activities.append(event)
    return accounts


def score_cases(engine: Engine, cases: Sequence[Case], rulesets: Sequence[Ruleset]) -> list[CaseRecorder]:
    """Score every case with every ruleset as of its decision date, in batches of accounts."""
    recorders = [CaseRecorder(ruleset) for ruleset in rulesets]
    ordered = sorted(range(len(cases)), key=lambda index: cases[index].account_id)
    with engine.connect() as conn:
        for chunk in _chunks(ordered):
            stored = load_accounts(conn, sorted({cases[index].account_id for index in chunk}))
            for index in chunk:
                case = cases[index]
                data = stored[case.account_id]
                contacts = data.contacts_before(case.decided_at)
                own = data.own_before(case.decided_at)
                for ruleset, recorder in zip(rulesets, recorders, strict=True):
                    score = score_account(
                        ruleset,
                        account_record(data.columns, ruleset.custom_fields),
                        as_of=case.decided_at,
                        contacts=contacts,
                        activities=own,
                        account_id=case.account_id,
                    )
                    tier = tier_label(score.tier, score.explanation.tier.candidates)
                    recorder.add(score.priority, score.band, tier, case.won)
    return recorders


def activity_usage(engine: Engine) -> list[AssetUsage]:
    """How often each (kind, asset) occurs in the store's activities."""
    query = select(activity.c.kind, activity.c.asset, func.count()).group_by(
        activity.c.kind, activity.c.asset
    )
    with engine.connect() as conn:
        return [AssetUsage(str(kind), str(asset), int(count)) for kind, asset, count in conn.execute(query)]


def first_decisions(cases: Iterable[Case]) -> dict[int, Case]:
    """Per account, its earliest decision date (no later peeking), won when any of its cases was won."""
    decided: dict[int, Case] = {}
    for case in sorted(cases, key=lambda case: case.decided_at):
        first = decided.setdefault(case.account_id, case)
        if case.won and not first.won:
            decided[case.account_id] = Case(case.account_id, True, first.decided_at)
    return decided


def journey_outcomes(
    engine: Engine, policy: EngagementPolicy, cases: Iterable[Case], report_time: datetime
) -> tuple[list[JourneyOutcome], list[JourneyOutcome]]:
    """The furthest phase of every live account and of each of its contacts, with the account's outcome;
    activities count before the account's first decision date, or before ``report_time`` without one."""
    decided = first_decisions(cases)
    accounts: list[JourneyOutcome] = []
    contacts: list[JourneyOutcome] = []
    for stored in iter_accounts(engine, live_account_ids(engine)):
        case = decided.get(stored.id)
        moment = case.decided_at if case else report_time
        won = case.won if case else None
        contact_phases = [
            furthest_phase_reached(policy, person.activities, moment)
            for person in stored.contacts_before(moment)
        ]
        own = furthest_phase_reached(policy, stored.own_before(moment), moment)
        accounts.append(JourneyOutcome(furthest_phase(policy, [own, *contact_phases]), won))
        contacts += [JourneyOutcome(phase, won) for phase in contact_phases]
    return accounts, contacts


def live_account_ids(engine: Engine) -> list[int]:
    """Every account not merged into another."""
    with engine.connect() as conn:
        query = select(account.c.id).where(account.c.merged_into_id.is_(None)).order_by(account.c.id)
        return [int(account_id) for account_id in conn.scalars(query)]


def iter_accounts(engine: Engine, account_ids: Iterable[int]) -> Iterator[StoredAccount]:
    """Stored accounts with their contacts and activities, loaded a batch at a time."""
    ids = list(account_ids)
    with engine.connect() as conn:
        for chunk in _chunks(ids):
            loaded = load_accounts(conn, chunk)
            yield from (loaded[account_id] for account_id in chunk if account_id in loaded)
