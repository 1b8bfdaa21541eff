"""Contact persona fit: point rules on title, seniority, department and email, like the ICP fit.

The account view shows its contacts ranked by who to call first: persona fit (its lower bound, so an
unknown title does not pass for a decision maker) plus the contact's engagement, ties broken by persona,
then engagement, then lowest contact id. A hand-off names the first of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from scoring.engagement import Activity, EngagementResult, score_activities
from scoring.fields import Record
from scoring.points import Tally
from scoring.ruleset import Ruleset


@dataclass(frozen=True)
class ContactInput:
    id: int
    record: Record  # built with scoring.fields.contact_record
    activities: Sequence[Activity] = ()


@dataclass(frozen=True)
class ContactScore:
    contact_id: int
    label: str  # name, else email, else "contact <id>"
    persona: Tally
    engagement: EngagementResult

    @property
    def call_order(self) -> tuple[float, float, float, int]:
        return (
            -(self.persona.low + self.engagement.engagement),
            -self.persona.low,
            -self.engagement.engagement,
            self.contact_id,
        )


def contact_label(contact_id: int, record: Record) -> str:
    name = " ".join(str(part) for part in (record.get("first_name"), record.get("last_name")) if part)
    return name or str(record.get("email") or f"contact {contact_id}")


def score_contact(ruleset: Ruleset, contact: ContactInput, as_of: datetime) -> ContactScore:
    """Persona fit (a range when title or seniority are unknown) and engagement of one contact."""
    return ContactScore(
        contact.id,
        contact_label(contact.id, contact.record),
        ruleset.persona_rules.tally(contact.record),
        score_activities(ruleset.engagement, contact.activities, as_of),
    )


def rank_contacts(scores: Iterable[ContactScore]) -> list[ContactScore]:
    """Contacts in the order a seller should call them."""
    return sorted(scores, key=lambda score: score.call_order)
