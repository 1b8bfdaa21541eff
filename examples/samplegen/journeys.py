"""Activities: each contact's buying journey over the 180 days before the reference date.

Better-fitting accounts progress further (awareness → consideration → evaluation → purchase intent),
with noise: job seekers on the careers page, unsubscribes, anonymous account-level visits, a few assets
no ruleset maps (partner portal, trade-fair badge scans, chat widget) and some re-exported duplicate rows.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from samplegen.companies import REFERENCE_DATE, Company
from samplegen.people import Contact

WINDOW_DAYS = 180
PHASES = ("awareness", "consideration", "evaluation", "purchase_intent")
PHASE_TOUCHES: dict[str, tuple[tuple[str, str], ...]] = {
    "awareness": (
        ("visit", "blog-ai-lead-scoring"),
        ("visit", "blog-crm-data-hygiene"),
        ("visit", "blog-gdpr-b2b-enrichment"),
        ("download", "whitepaper-ai-roi"),
        ("download", "whitepaper-data-quality"),
        ("download", "ebook-lead-scoring"),
        ("email_open", "ebook-lead-scoring"),
        ("email_click", "whitepaper-data-quality"),
        ("form_fill", "newsletter-signup"),
    ),
    "consideration": (
        ("email_click", "webinar-q3-roadmap"),
        ("webinar", "webinar-q3-roadmap"),
        ("download", "case-study-acme"),
        ("visit", "case-study-acme"),
        ("visit", "product-tour"),
    ),
    "evaluation": (
        ("visit", "pricing-page"),
        ("visit", "pricing-page"),
        ("visit", "product-tour"),
        ("cta_click", "trial-signup"),
        ("form_fill", "trial-signup"),
    ),
    "purchase_intent": (
        ("visit", "pricing-page"),
        ("cta_click", "cta-contact-us"),
        ("form_fill", "form-contact"),
        ("cta_click", "demo-request"),
        ("form_fill", "demo-request"),
    ),
}
# Touches no example ruleset maps to a phase, so the journey check has something to report.
UNMAPPED_TOUCHES = (
    ("visit", "partner-portal-login"),
    ("form_fill", "event-booth-scan"),
    ("cta_click", "cta-chat-widget"),
)
EMAIL_KINDS = ("email_open", "email_click")
SENIORITY_BONUS = {
    "c_level": -0.05,
    "vp": 0.05,
    "head": 0.1,
    "manager": 0.1,
    "individual": 0.0,
    "student": -0.25,
}
HEADERS = ("activity_id", "contact_crm_id", "contact_email", "account_crm_id", "kind", "asset", "occurred_at")


@dataclass(frozen=True)
class Activity:
    activity_id: str
    contact: Contact | None  # None: an account-level visit (reverse-IP), no person known
    account: Company | None
    kind: str
    asset: str
    occurred_at: datetime
    reference: str  # how the row names its contact: "both" | "id" | "email" | "email_mixed_case" | "none"

    def row(self) -> dict[str, str]:
        contact = self.contact
        email = contact.email if contact and self.reference in {"both", "email"} else ""
        if contact and self.reference == "email_mixed_case":
            local, _, domain = contact.email.partition("@")
            email = f"{'.'.join(part.capitalize() for part in local.split('.'))}@{domain.capitalize()}"
        return {
            "activity_id": self.activity_id,
            "contact_crm_id": contact.crm_id if contact and self.reference in {"both", "id"} else "",
            "contact_email": email,
            "account_crm_id": self.account.crm_id if self.account else "",
            "kind": self.kind,
            "asset": self.asset,
            "occurred_at": self.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def _moment(rng: random.Random, day_offset: float) -> datetime:
    """A time ``day_offset`` days before the reference date, moved into office hours, mostly on weekdays."""
    day = REFERENCE_DATE - timedelta(days=int(day_offset) + 1)
    if day.weekday() >= 5 and rng.random() < 0.8:
        day -= timedelta(days=day.weekday() - 4)  # weekend → the Friday before
    hour = rng.choices(range(6, 22), weights=[1, 3, 8, 10, 10, 9, 6, 8, 9, 8, 6, 4, 3, 2, 2, 1])[0]
    return day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def _journey(rng: random.Random, contact: Contact) -> list[tuple[str, str, datetime]]:
    """(kind, asset, time) touches of one contact, phases in time order, noise anywhere."""
    propensity = contact.employer.fit * 0.8 + SENIORITY_BONUS[contact.role.seniority] + rng.gauss(0, 0.15)
    if rng.random() > 0.45 + 0.5 * propensity:
        touches = [("email_open", "ebook-lead-scoring")] * rng.randrange(0, 3)  # on the list, barely reading
    else:
        touches = []
        phase = 0
        while phase < len(PHASES) - 1 and rng.random() < 0.15 + 0.6 * propensity:
            phase += 1
        for reached in PHASES[: phase + 1]:
            count = max(
                1,
                round(
                    rng.gauss(2.5 + 4.5 * propensity if reached == "awareness" else 2.2 + 2.5 * propensity, 1)
                ),
            )
            touches += [rng.choice(PHASE_TOUCHES[reached]) for _ in range(count)]
    start = rng.uniform(20, WINDOW_DAYS - 1)
    offsets = sorted((rng.uniform(0, start) for _ in touches), reverse=True)  # earliest first
    timeline = [
        (kind, asset, _moment(rng, offset)) for (kind, asset), offset in zip(touches, offsets, strict=True)
    ]
    for kind, asset, moment in list(timeline):
        if kind == "email_click":  # nobody clicks a mail they never opened
            timeline.append(("email_open", asset, moment - timedelta(minutes=rng.randrange(1, 600))))
    timeline += _noise(rng, contact, propensity)
    timeline.sort(key=lambda touch: touch[2])
    return _stop_mail_after_unsubscribe(timeline)


def _noise(rng: random.Random, contact: Contact, propensity: float) -> list[tuple[str, str, datetime]]:
    noise: list[tuple[str, str]] = []
    if rng.random() < (0.45 if contact.role.seniority == "student" else 0.05):
        noise += [("visit", "careers-jobs")] * rng.randrange(1, 4)
    for touch, share in zip(UNMAPPED_TOUCHES, (0.04, 0.06, 0.04), strict=True):
        if rng.random() < share:
            noise += [touch] * rng.randrange(1, 3)
    if rng.random() < 0.1 * (1 - propensity):
        noise.append(("unsubscribe", "unsubscribe"))
    return [(kind, asset, _moment(rng, rng.uniform(0, WINDOW_DAYS - 1))) for kind, asset in noise]


def _stop_mail_after_unsubscribe(
    timeline: list[tuple[str, str, datetime]],
) -> list[tuple[str, str, datetime]]:
    unsubscribed_at = next((moment for kind, _, moment in timeline if kind == "unsubscribe"), None)
    if unsubscribed_at is None:
        return timeline
    return [touch for touch in timeline if touch[0] not in EMAIL_KINDS or touch[2] < unsubscribed_at]


def _reference(rng: random.Random) -> str:
    roll = rng.random()
    return "both" if roll < 0.7 else "id" if roll < 0.88 else "email" if roll < 0.97 else "email_mixed_case"


def build_activities(
    rng: random.Random, contacts: list[Contact], companies: list[Company], duplicate_rows: int = 20
) -> list[Activity]:
    """Every contact's journey, anonymous account-level visits, then ``duplicate_rows`` exact re-exports.

    Rows are sorted by time; ids are random UUIDs drawn from ``rng``, so the output is reproducible.
    """

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    activities: list[Activity] = []
    for contact in contacts:
        for kind, asset, moment in _journey(rng, contact):
            account = contact.account if rng.random() < 0.92 else None
            activities.append(Activity(new_id(), contact, account, kind, asset, moment, _reference(rng)))
    for company in companies:
        for _ in range(round(rng.expovariate(1.2) * company.fit * 1.5)):
            asset = rng.choice(("pricing-page", "product-tour", "blog-ai-lead-scoring", "careers-jobs"))
            moment = _moment(rng, rng.uniform(0, WINDOW_DAYS - 1))
            activities.append(Activity(new_id(), None, company, "visit", asset, moment, "none"))
    activities += rng.sample(activities, duplicate_rows)
    activities.sort(key=lambda activity: (activity.occurred_at, activity.activity_id))
    return activities
