"""A small review queue, inserted straight into the store's tables, for the review CLI, web and browser tests.

Page text and values carry hostile content on purpose (script tags, attribute breakouts, ``javascript:``
links, ANSI escapes) unless ``hostile=False`` (the screenshot for the docs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from enrich.store.schema import account, blob, field_value, page, review_event, score

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKOUT = '"><img src=x onerror=alert(2)>'
ANSI_RED = "\x1b[31mred alert\x1b[0m\x07"

ACME_ABOUT = (
    "Welcome to Acme Logistics. " * 20
    + "Acme builds routing software for mid-sized freight forwarders across Europe. "
    + "Our team of 240 people works from Hamburg and Vienna. " * 3
    + "Contact us for a demo."
)


@dataclass(frozen=True)
class Seeded:
    acme: int
    globex: int
    initech: int
    acme_industry: int  # llm, 0.62, quote with offsets into the stored page
    acme_industry_crm: int  # accepted crm value competing with it
    acme_employees: int  # page_text, 0.71
    globex_industry: int  # jsonld, 0.88
    globex_country: int  # imprint, 0.93
    initech_city: int  # llm, 0.40, hostile value, quote and javascript: source url


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _value(conn: Connection, **columns: Any) -> int:
    defaults: dict[str, Any] = {
        "entity_type": "account",
        "status": "pending_review",
        "observed_at": NOW - timedelta(hours=5),
        "version": 1,
    }
    result = conn.execute(insert(field_value).values(**(defaults | columns)))
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def _page(conn: Connection, url: str, text: str) -> str:
    digest = sha256(text)
    conn.execute(insert(blob).values(sha256=digest, text=text))
    conn.execute(insert(page).values(url=url, final_url=url, status_code=200, sha256=digest, fetched_at=NOW))
    return digest


def _account(conn: Connection, name: str, domain: str, **columns: Any) -> int:
    values = {
        "name": name,
        "domain": domain,
        "source": "test",
        "custom": {},
        "created_at": NOW,
        "updated_at": NOW,
    }
    result = conn.execute(insert(account).values(**(values | columns)))
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def seed_review_queue(engine: Engine, *, hostile: bool = True) -> Seeded:
    with engine.begin() as conn:
        acme = _account(conn, "Acme Logistics", "acme.example", industry="Logistics", country="DE")
        globex = _account(conn, "Globex", "globex.example")
        initech = _account(conn, "Initech" + (f" {SCRIPT}" if hostile else ""), "initech.example")
        acme_sha = _page(conn, "https://acme.example/about", ACME_ABOUT)
        quote = "Acme builds routing software for mid-sized freight forwarders"
        start = ACME_ABOUT.index(quote)
        acme_industry = _value(
            conn,
            entity_id=acme,
            field="industry",
            value="Software",
            value_text="routing software",
            confidence=0.62,
            source_kind="llm",
            source_url="https://acme.example/about",
            evidence=quote,
            evidence_start=start,
            evidence_end=start + len(quote),
            page_sha256=acme_sha,
            model="gpt-4o-mini",
            prompt_name="industry",
            prompt_version="1",
            reason="confidence below the accept threshold",
        )
        crm = _value(
            conn,
            entity_id=acme,
            field="industry",
            value="Logistics",
            value_text="Logistics",
            confidence=0.95,
            source_kind="crm",
            status="accepted",
            observed_at=NOW - timedelta(days=30),
        )
        employees_quote = "Our team of 240 people works from Hamburg and Vienna."
        employees_start = ACME_ABOUT.index(employees_quote)
        acme_employees = _value(
            conn,
            entity_id=acme,
            field="employee_count",
            value=240,
            value_text="240 people",
            confidence=0.71,
            source_kind="page_text",
            source_url="https://acme.example/about",
            evidence=employees_quote,
            evidence_start=employees_start,
            evidence_end=employees_start + len(employees_quote),
            page_sha256=acme_sha,
            extractor="text.employees",
            observed_at=NOW - timedelta(days=2),
        )
        globex_text = (
            '{"@type": "Organization", "name": "Globex", "industry": "Manufacturing", '
            + '"city": "Berlin, DE"}'
        )
        globex_sha = _page(conn, "https://globex.example/", globex_text)
        globex_industry = _value(
            conn,
            entity_id=globex,
            field="industry",
            value="Manufacturing",
            value_text="Manufacturing",
            confidence=0.88,
            source_kind="jsonld",
            source_url="https://globex.example/",
            evidence='"industry": "Manufacturing"',
            page_sha256=globex_sha,
            extractor="jsonld.organization",
            observed_at=NOW - timedelta(hours=1),
        )
        globex_country = _value(
            conn,
            entity_id=globex,
            field="country",
            value="DE",
            value_text="Berlin, DE",
            confidence=0.93,
            source_kind="imprint",
            source_url="https://globex.example/impressum",
            evidence="Berlin, DE",
            page_sha256=globex_sha,
            extractor="imprint.address",
            observed_at=NOW - timedelta(minutes=30),
        )
        initech_city = _initech_city(conn, initech, hostile=hostile)
        conn.execute(
            insert(score).values(
                entity_type="account",
                entity_id=acme,
                ruleset_name="saas-icp",
                ruleset_version="3",
                ruleset_hash="0" * 64,
                as_of=NOW,
                fit=50.0,
                band="yellow",
                tier="mid_market",
                tier_weight=1.2,
                priority=60.0,
                explanation={},
                scored_at=NOW - timedelta(hours=2),
            )
        )
    return Seeded(
        acme,
        globex,
        initech,
        acme_industry,
        crm,
        acme_employees,
        globex_industry,
        globex_country,
        initech_city,
    )


def _initech_city(conn: Connection, initech: int, *, hostile: bool) -> int:
    if not hostile:
        text = "Initech, 4120 Freidrich Lane, Austin, Texas."
        digest = _page(conn, "https://initech.example/contact", text)
        return _value(
            conn,
            entity_id=initech,
            field="city",
            value="Austin",
            value_text="Austin, Texas",
            confidence=0.40,
            source_kind="llm",
            source_url="https://initech.example/contact",
            evidence="Austin, Texas",
            page_sha256=digest,
            model="gpt-4o-mini",
        )
    text = f"Visit us {SCRIPT} in {ATTRIBUTE_BREAKOUT} Springfield {ANSI_RED} today."
    digest = _page(conn, "https://initech.example/contact", text)
    return _value(
        conn,
        entity_id=initech,
        field="city",
        value=f"Springfield{SCRIPT}",
        value_text=f"{ATTRIBUTE_BREAKOUT} {ANSI_RED}",
        confidence=0.40,
        source_kind="llm",
        source_url="javascript:alert(3)",
        evidence=f"{ATTRIBUTE_BREAKOUT} Springfield {ANSI_RED}",
        page_sha256=digest,
        model="gpt-4o-mini",
    )


def field_value_row(engine: Engine, value_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(field_value).where(field_value.c.id == value_id)).one()


def events_for(engine: Engine, value_id: int) -> list[Any]:
    with engine.connect() as conn:
        query = (
            select(review_event).where(review_event.c.field_value_id == value_id).order_by(review_event.c.id)
        )
        return list(conn.execute(query))


def account_row(engine: Engine, account_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(account).where(account.c.id == account_id)).one()
