"""Scoring engine throughput, side by side with a hand-written plain-dict baseline of the same rules.

    .venv/bin/python bench/score_bench.py [--accounts 100000] [--activities 1000000] [--seed 7]

Generates seeded synthetic accounts (some fields missing, some employee counts only as ranges) with
contacts and activities, then measures on one core (the process is pinned to one CPU where the OS
allows): (1) fit + band + tier with the compiled ruleset against a hand-written function doing the same
rules of examples/rulesets/saas-icp.toml on plain dicts, checked to agree; (2) engagement (decay, phase
caps, roll-up) per activity; (3) the full ``score_account`` with its explanation. Target (DESIGN §8):
≥ 100k accounts/s for fit + tier on one core.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from machine_info import machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.engagement import Activity, roll_up, score_activities
from scoring.engine import band_of, fit_of, score_account, tier_of
from scoring.fields import Record, account_record, contact_record
from scoring.persona import ContactInput
from scoring.ruleset import Ruleset, load_ruleset
from scoring.values import NumRange

RULESET = Path(__file__).resolve().parent.parent / "examples" / "rulesets" / "saas-icp.toml"
AS_OF = datetime(2024, 6, 1, tzinfo=UTC)
INDUSTRIES = [
    "Software",
    "IT Services",
    "Internet",
    "Banking",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
]
COUNTRIES = ["US", "DE", "GB", "FR", "AT", "CH", "BR", "IN", "JP", "NL"]
ASSETS = [
    "whitepaper-ai-roi",
    "ebook-guide",
    "blog-post-1",
    "blog-post-2",
    "webinar-q3",
    "case-study-acme",
    "pricing-page",
    "product-tour",
    "demo-request",
    "cta-contact-us",
    "form-contact",
    "trial-signup",
    "newsletter-signup",
    "unsubscribe",
    "careers-dev",
    "legacy-page",
]
KINDS = ["visit", "download", "email_open", "email_click", "cta_click", "form_fill"]


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def make_accounts(count: int, rng: random.Random, ruleset: Ruleset) -> list[Record]:
    records = []
    for _ in range(count):
        roll = rng.random()
        employees = int(rng.lognormvariate(4.5, 1.6))
        columns: dict[str, object] = {
            "name": "x",
            "industry": rng.choice(INDUSTRIES) if rng.random() > 0.1 else None,
            "country": rng.choice(COUNTRIES) if rng.random() > 0.05 else None,
            "employee_count": employees if roll > 0.15 else None,
            "employee_count_range": f"{employees // 2}-{employees * 2}" if 0.05 < roll <= 0.15 else None,
            "annual_revenue": employees * rng.randint(50_000, 300_000) if rng.random() > 0.2 else None,
            "custom": {"lead_source": rng.choice(["Partner", "Web", "Event", ""])},
        }
        records.append(account_record(columns, ruleset.custom_fields))
    return records


_TARGET = frozenset(
    s.lower()
    for s in ["Software", "IT Services", "Internet", "Information Technology", "Computer Software", "SaaS"]
)
_ADJACENT = frozenset(
    s.lower() for s in ["Financial Services", "Banking", "Insurance", "Healthcare", "Telecommunications"]
)
_MARKET = frozenset(["us", "ca", "gb", "ie", "de", "at", "ch", "nl", "be", "fr", "se", "dk", "no", "fi"])


def baseline(record: Record) -> tuple[float, str, str | None]:
    """The saas-icp fit rules and tiers written by hand: missing (or ranged) values simply do not match."""
    points = 0.0
    employees = record.get("employee_count")
    if employees is not None and employees.__class__ is not NumRange:
        if employees >= 50:  # type: ignore[operator]
            points += 25
        if employees >= 200:  # type: ignore[operator]
            points += 10
    industry = record.get("industry")
    if industry is not None:
        lowered = industry.lower()  # type: ignore[attr-defined]
        if lowered in _TARGET:
            points += 25
        if lowered in _ADJACENT:
            points += 10
    country = record.get("country")
    if country is not None and country.lower() in _MARKET:  # type: ignore[attr-defined]
        points += 20
    revenue = record.get("annual_revenue")
    if revenue is not None:
        if revenue >= 10_000_000:  # type: ignore[operator]
            points += 10
        if revenue < 1_000_000:  # type: ignore[operator]
            points -= 15
    source = record.get("lead_source")
    if source is not None and source.lower() in ("partner", "referral"):  # type: ignore[attr-defined]
        points += 10
    fit = min(max(points, 0.0), 100.0)
    band = "green" if fit >= 80 else "yellow" if fit >= 50 else "red"
    exact = employees is not None and employees.__class__ is not NumRange
    if (exact and employees >= 1000) or (revenue is not None and revenue >= 250_000_000):  # type: ignore[operator]
        tier: str | None = "enterprise"
    elif (exact and employees >= 100) or (revenue is not None and revenue >= 20_000_000):  # type: ignore[operator]
        tier = "mid_market"
    else:
        tier = "smb"
    return fit, band, tier


def best_of(repeats: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    pinned = pin_to_one_core()
    print(f"machine: {machine()}; {pinned}")
    ruleset = load_ruleset(RULESET.read_bytes(), str(RULESET))
    rng = random.Random(args.seed)
    started = time.perf_counter()
    accounts = make_accounts(args.accounts, rng, ruleset)
    print(
        f"ruleset {ruleset.ref}: {len(ruleset.fit_rules.rules)} fit rules, {len(ruleset.tiers.tiers)} tiers; "
        f"{args.accounts:,} accounts generated in {time.perf_counter() - started:.1f}s (seed {args.seed})"
    )

    # correctness first: wherever the engine is certain (and no value is a range, which the baseline
    # does not handle), it agrees with the hand-written rules
    disagreements = 0
    for record in accounts:
        if any(isinstance(value, NumRange) for value in record.values()):
            continue
        fit, tier = fit_of(ruleset, record), tier_of(ruleset, record)
        expected_fit, _, expected_tier = baseline(record)
        if fit.value != expected_fit and fit.low == fit.high:
            disagreements += 1
        if tier.certain and tier.name != expected_tier:
            disagreements += 1
    uncertain = sum(1 for record in accounts if not fit_of(ruleset, record).exact)
    print(f"check: {disagreements} disagreements with the baseline; {uncertain:,} accounts with a fit range")
    if disagreements:
        return 1

    def engine_run() -> None:
        for record in accounts:
            band_of(ruleset, fit_of(ruleset, record))
            tier_of(ruleset, record)

    def baseline_run() -> None:
        for record in accounts:
            baseline(record)

    engine_s = best_of(args.repeats, engine_run)
    baseline_s = best_of(args.repeats, baseline_run)
    engine_rate, baseline_rate = args.accounts / engine_s, args.accounts / baseline_s
    verdict = "meets" if engine_rate >= 100_000 else "MISSES"
    print(
        f"fit+band+tier  engine:   {engine_rate:>11,.0f} accounts/s ({engine_s:.3f}s, best of {args.repeats})"
    )
    print(f"fit+band+tier  baseline: {baseline_rate:>11,.0f} accounts/s ({baseline_s:.3f}s)")
    print(f"ratio engine/baseline time: {engine_s / baseline_s:.2f}x; target ≥ 100,000 accounts/s: {verdict}")

    # engagement: ~2.5 contacts per account, activities spread over them and over the last year
    contacts_per_account = [rng.randint(0, 4) for _ in range(args.accounts)]
    contact_count = sum(contacts_per_account)
    per_contact: list[list[Activity]] = [[] for _ in range(contact_count)]
    for _ in range(args.activities):
        contact = rng.randrange(contact_count)
        occurred = AS_OF - timedelta(seconds=rng.randrange(365 * 86_400))
        per_contact[contact].append(Activity(rng.choice(KINDS), rng.choice(ASSETS), occurred, contact))
    no_activities: list[Activity] = []

    def engagement_run() -> None:
        policy = ruleset.engagement
        own = score_activities(policy, no_activities, AS_OF)
        position = 0
        for count in contacts_per_account:
            results = [
                (contact, score_activities(policy, per_contact[contact], AS_OF))
                for contact in range(position, position + count)
            ]
            position += count
            roll_up(policy, results, own)

    engagement_s = best_of(args.repeats, engagement_run)
    print(
        f"engagement: {args.activities / engagement_s:>11,.0f} activities/s, "
        f"{args.accounts / engagement_s:,.0f} accounts/s "
        f"({args.activities:,} activities, {contact_count:,} contacts, {engagement_s:.2f}s)"
    )

    contact_record_ = contact_record(
        {"title": "Head of IT", "email": "it@example.com", "seniority": "director"}
    )
    inputs = []
    position = 0
    for count in contacts_per_account:
        inputs.append(
            [ContactInput(c, contact_record_, per_contact[c]) for c in range(position, position + count)]
        )
        position += count

    def full_run() -> None:
        for record, contacts in zip(accounts, inputs, strict=True):
            score_account(ruleset, record, as_of=AS_OF, contacts=contacts).to_dict()

    full_s = best_of(1, full_run)
    print(f"full score_account + to_dict: {args.accounts / full_s:>11,.0f} accounts/s ({full_s:.2f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
