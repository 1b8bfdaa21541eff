"""Rows of one file that describe the same record: repeats are skipped, contradictions are problems.

A row is identified by its CRM id; a row without one by a natural key (an account's domain, else its
name; a contact's e-mail, else its name and account). Two rows with the same identity must agree (then
the later one is a repeat and skipped), else both lines get a problem naming the other. Several CRM
records may share a domain or e-mail (CRMs hold duplicates; merging them is a reviewer's call), but a
row *without* a CRM id whose natural key a CRM-id row also has cannot be placed, so it is a problem.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

from enrich.crm.validate import AccountRecord, ContactRecord
from enrich.errors import Problem


@dataclass(frozen=True)
class Identity:
    crm_id: str | None
    natural: str | None  # "domain example.com", "e-mail a@b.com", "name acme" …
    column: str | None  # where problems point: the CRM id's column, else the natural key's
    id_label: str = "CRM id"  # how problems name ``crm_id``


class Seen(Enum):
    NEW = "new"
    REPEAT = "repeat"  # identical to an earlier row: skipped
    CONFLICT = "conflict"  # contradicts an earlier row: a problem


def account_identity(record: AccountRecord, crm_id_column: str | None) -> Identity:
    domain, name = record.cells.get("domain"), record.cells["name"]
    natural_column: str | None
    if domain is not None:
        natural, natural_column = f"domain {domain.value}", domain.column
    else:
        natural = f"name {' '.join(record.name.casefold().split())}"
        natural_column = None if name is None else name.column
    return Identity(record.crm_id, natural, crm_id_column if record.crm_id else natural_column)


def contact_identity(record: ContactRecord, crm_id_column: str | None, email_column: str | None) -> Identity:
    if record.email:
        natural = f"e-mail {record.email}"
    else:
        names = " ".join(filter(None, (record.cells.get("first_name"), record.cells.get("last_name"))))
        company = record.account_crm_id or record.account_domain or record.account_name or ""
        natural = f"name {names.casefold()} at {company.casefold()}"
    return Identity(record.crm_id, natural, crm_id_column if record.crm_id else email_column)


def account_digest(record: AccountRecord) -> bytes:
    """What two rows must share to be repeats: values, not their spelling (``1,200`` equals ``1200``)."""
    values = sorted((target, None if cell is None else cell.value) for target, cell in record.cells.items())
    return digest((record.crm_id, values, sorted(record.custom.items())))


def contact_digest(record: ContactRecord) -> bytes:
    return digest(
        (record.crm_id, record.email, record.account_crm_id, record.account_name, record.account_domain,
         sorted(record.cells.items()), sorted(record.custom.items()))
    )  # fmt: skip


def digest(content: object) -> bytes:
    """An 8-byte fingerprint: enough to tell rows apart, small enough to keep one per row of a big file."""
    return hashlib.blake2b(repr(content).encode(), digest_size=8).digest()


class FileDuplicates:
    """Remembers the identity of every row seen so far in one file (a few dozen bytes per row)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._by_crm_id: dict[str, tuple[int, bytes]] = {}
        self._by_natural: dict[str, tuple[int, bytes]] = {}  # rows without a CRM id
        self._natural_of_crm_rows: dict[str, tuple[int, str]] = {}  # first CRM-id row per natural key

    def see(self, line: int, identity: Identity, content: bytes) -> tuple[Seen, list[Problem]]:
        """Record a row: what it is, and the problems it reveals (on this line or an earlier one)."""
        if identity.crm_id is not None:
            earlier = self._by_crm_id.setdefault(identity.crm_id, (line, content))
            problems = []
            if identity.natural is not None:
                self._natural_of_crm_rows.setdefault(identity.natural, (line, identity.crm_id))
                orphan = self._by_natural.pop(identity.natural, None)  # reported once
                if orphan is not None:
                    problems.append(self._unplaceable(orphan[0], identity, line, identity.crm_id))
            seen, conflicts = self._compare(
                line, earlier, content, f"CRM id {identity.crm_id}", identity.column
            )
            return seen, problems + conflicts
        if identity.natural is None:
            return Seen.NEW, []
        owner = self._natural_of_crm_rows.get(identity.natural)
        if owner is not None:
            return Seen.CONFLICT, [self._unplaceable(line, identity, *owner)]
        earlier = self._by_natural.setdefault(identity.natural, (line, content))
        return self._compare(line, earlier, content, identity.natural, identity.column)

    def _compare(
        self, line: int, earlier: tuple[int, bytes], content: bytes, what: str, column: str | None
    ) -> tuple[Seen, list[Problem]]:
        first_line, first_content = earlier
        if first_line == line:
            return Seen.NEW, []
        if first_content == content:
            return Seen.REPEAT, []
        return Seen.CONFLICT, [
            Problem(self.source, first_line, column, f"same {what} as line {line} but different values"),
            Problem(self.source, line, column, f"same {what} as line {first_line} but different values"),
        ]

    def _unplaceable(self, line: int, identity: Identity, crm_line: int, crm_id: str) -> Problem:
        reason = (
            f"no CRM id, but line {crm_line} has the same {identity.natural} with CRM id {crm_id}: "
            "give this row that CRM id or remove it"
        )
        return Problem(self.source, line, None, reason)
