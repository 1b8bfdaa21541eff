"""Duplicate detection: precision and recall on the labelled fixture set, the near misses, the vetoes,
and blocking that never compares all pairs."""

from __future__ import annotations

import csv
import itertools
import random
from dataclasses import replace
from pathlib import Path

import pytest

from enrich.cleanup.duplicates import (
    AUTO_MERGE_AT,
    BLOCK_LIMIT,
    PROPOSE_AT,
    WINDOW,
    AccountKey,
    account_key,
    choose_survivor,
    find_duplicates,
    read_register,
    score_pair,
)
from enrich.cleanup.model import AccountSnapshot

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "duplicates" / "accounts.csv"


def key(account_id: int, name: str, **fields: str | None) -> AccountKey:
    snapshot = AccountSnapshot(
        account_id, fields.get("crm_id"), name, fields.get("domain"), None, fields.get("country"),
        fields.get("city"), {}, {}, register=fields.get("register"), vat_id=fields.get("vat_id"),
    )  # fmt: skip
    return account_key(snapshot)


def fixture() -> tuple[list[AccountKey], dict[int, str]]:
    with FIXTURE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    keys = [
        key(int(row["id"]), row["name"], **{name: row[name] or None for name in
            ("domain", "city", "country", "register", "vat_id")})
        for row in rows
    ]  # fmt: skip
    return keys, {int(row["id"]): row["cluster"] for row in rows}


def test_precision_and_recall_on_the_labelled_fixture_set() -> None:
    keys, cluster = fixture()
    truth = {
        frozenset(pair) for pair in itertools.combinations(cluster, 2) if cluster[pair[0]] == cluster[pair[1]]
    }
    found = find_duplicates(keys)
    proposed = {frozenset((plan.keep_id, plan.merge_id)) for plan in found.plans}
    automatic = {frozenset((plan.keep_id, plan.merge_id)) for plan in found.plans if plan.automatic}
    precision = len(proposed & truth) / len(proposed)
    recall = len(proposed & truth) / len(truth)
    auto_precision = len(automatic & truth) / len(automatic)
    auto_recall = len(automatic & truth) / len(truth)
    print(
        f"\nduplicates fixture: {len(keys)} accounts, {len(truth)} true pairs; proposed {len(proposed)} "
        f"(≥{PROPOSE_AT}): precision {precision:.3f}, recall {recall:.3f}; automatic {len(automatic)} "
        f"(≥{AUTO_MERGE_AT}): precision {auto_precision:.3f}, recall {auto_recall:.3f}; "
        f"pairs compared {found.pairs_compared} of {found.all_pairs}"
    )
    assert precision >= 0.95, f"false proposals: {sorted(map(sorted, proposed - truth))}"
    assert recall >= 0.95, f"missed: {sorted(map(sorted, truth - proposed))}"
    assert auto_precision == 1.0, f"wrong automatic merges: {sorted(map(sorted, automatic - truth))}"
    assert found.pairs_compared < found.all_pairs / 50


def test_mueller_in_munich_and_mueller_in_hamburg_are_different_companies() -> None:
    munich = key(1, "Müller GmbH", city="München", country="DE")
    hamburg = key(2, "Müller GmbH", city="Hamburg", country="DE")
    munich_again = key(3, "MUELLER GMBH", city="Munich", country="DE")
    assert score_pair(munich, hamburg) is None
    scored = score_pair(munich, munich_again)
    assert scored is not None and PROPOSE_AT <= scored[0] < AUTO_MERGE_AT, (
        "a name alone never merges on its own"
    )
    assert scored[1]["basis"] == "name" and scored[1]["city"] == "same"


@pytest.mark.parametrize(
    "first, second, why",
    [
        ({"country": "DE"}, {"country": "AT"}, "different countries"),
        ({"vat_id": "DE811234567"}, {"vat_id": "DE811234568"}, "different VAT ids"),
        (
            {"register": "HRB 4711, Amtsgericht München"},
            {"register": "HRB 4711, Amtsgericht Köln"},
            "one number, two courts",
        ),
        ({"register": "HRB 4711"}, {"register": "HRB 4712"}, "different register numbers"),
    ],
)
def test_contradicting_identities_veto_a_pair_even_with_the_same_domain(
    first: dict[str, str], second: dict[str, str], why: str
) -> None:
    a = key(1, "Acme Software GmbH", domain="acme.de", **first)
    b = key(2, "Acme Software GmbH", domain="acme.de", **second)
    assert score_pair(a, b) is None, why


def test_shared_identifiers_merge_automatically_only_with_a_similar_name() -> None:
    a = key(1, "Nordwind Energie AG", register="HRB 48211, Amtsgericht Hamburg")
    b = key(2, "Nordwind Energie Aktiengesellschaft", register="HRB 48211, Amtsgericht Hamburg")
    c = key(3, "Completely Other Name", register="HRB 48211, Amtsgericht Hamburg")
    assert score_pair(a, b)[0] >= AUTO_MERGE_AT  # type: ignore[index]
    assert PROPOSE_AT <= score_pair(a, c)[0] < AUTO_MERGE_AT  # type: ignore[index]
    without_court = key(4, "Nordwind Energie AG", register="HRB 48211")
    assert score_pair(a, without_court)[0] < AUTO_MERGE_AT, "German numbers repeat between courts"  # type: ignore[index]
    assert read_register("FN 123456 a") == read_register("FN 123456a")
    assert read_register("CHE-109.322.551") is not None and read_register("CHE-109.322.551").national  # type: ignore[union-attr]
    assert read_register("see our imprint") is None


def test_the_same_domain_with_another_city_is_only_proposed() -> None:
    a = key(1, "Müller GmbH", domain="mueller.de", city="München", country="DE")
    b = key(2, "Müller GmbH", domain="mueller.de", city="Hamburg", country="DE")
    scored = score_pair(a, b)
    assert scored is not None and PROPOSE_AT <= scored[0] < AUTO_MERGE_AT


def test_a_domain_shared_by_many_accounts_is_no_evidence() -> None:
    keys = [key(number, f"Company {word}", domain="facebook.com", country="DE")
            for number, word in enumerate(["Alpha", "Bravo", "Charlie", "Delta"] * 10, start=1)]  # fmt: skip
    plans = find_duplicates(keys).plans
    assert all(plan.evidence["basis"] != "domain" for plan in plans)


def test_the_survivor_is_the_crm_record_then_the_richer_then_the_older() -> None:
    with_crm = key(1, "Acme", crm_id="0011")
    without = key(2, "Acme")
    assert choose_survivor(without, with_crm)[0] is with_crm
    rich = replace(without, engagement=12)
    assert choose_survivor(without, rich)[0] is rich


def test_blocking_compares_few_pairs_and_still_finds_planted_duplicates() -> None:
    generator = random.Random(7)
    syllables = [
        "nor",
        "ta",
        "vek",
        "lin",
        "sol",
        "mar",
        "tek",
        "bri",
        "ox",
        "qua",
        "zen",
        "dor",
        "pel",
        "ri",
    ]
    cities = [("München", "DE"), ("Hamburg", "DE"), ("Wien", "AT"), ("London", "GB"), ("Boston", "US")]
    keys = []
    planted = set()
    for number in range(1, 3001):
        name = (
            "".join(generator.choice(syllables) for _ in range(3)).title()
            + " "
            + generator.choice(["GmbH", "Ltd", "Inc"])
        )
        city, country = generator.choice(cities)
        keys.append(key(number, name, city=city, country=country))
        if number % 20 == 0:
            keys.append(key(100_000 + number, name.upper(), city=city, country=country))
            planted.add(frozenset((number, 100_000 + number)))
    found = find_duplicates(keys)
    proposed = {frozenset((plan.keep_id, plan.merge_id)) for plan in found.plans}
    assert planted <= proposed, "every planted duplicate is found"
    assert found.pairs_compared < found.all_pairs / 100
    assert found.pairs_compared <= len(keys) * 4 * max(WINDOW, BLOCK_LIMIT), (
        "linear in the number of accounts"
    )


def test_focus_compares_only_pairs_with_a_changed_account() -> None:
    keys = [
        key(1, "Acme GmbH", city="Berlin", country="DE"),
        key(2, "ACME GmbH", city="Berlin", country="DE"),
        key(3, "Zeta AG", city="Bonn", country="DE"),
        key(4, "ZETA AG", city="Bonn", country="DE"),
    ]
    found = find_duplicates(keys, focus={3})
    assert [(plan.keep_id, plan.merge_id) for plan in found.plans] in ([(3, 4)], [(4, 3)])
