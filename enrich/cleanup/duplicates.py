"""Finding accounts that are probably the same company: blocking, then scoring candidate pairs.

No all-pairs comparison. Candidate pairs come only from *blocks* of accounts that share a key:

* ``domain``: the same registrable domain (a domain shared by more than ``SHARED_DOMAIN_LIMIT``
  accounts is a platform such as a social network, and is no evidence);
* ``register`` / ``vat``: the same commercial register number or VAT id from the imprint;
* ``name``: the same country and the same first word of the folded name (legal form removed); the
  same country and the same first five letters of the name written without spaces, so a typo in the
  first word or "AcmeSoft"/"Acme Soft" still meet; and the same country and the same alphabetically
  first word, so "Meyer Data Systems" and "Data Systems Meyer" meet.

Pairs within a block are all compared while the block has at most ``BLOCK_LIMIT`` accounts; a larger
block is sorted by name and city and each account is compared with its ``WINDOW`` next neighbours
(sorted neighbourhood), so the work grows linearly with the number of accounts.

Each candidate pair is scored (rapidfuzz on the folded, word-sorted names, plus identifiers and place)
into a similarity in 0..1, or vetoed. The *name similarity* is the rapidfuzz ratio of the word-sorted
names, but no more than the ratio of their distinctive words: words more than 0.2 % of the accounts
share (a trade such as "Engineering", a frequent family name) are left out of that second ratio, so
"Zenmi Engineering" and "Zenno Engineering" are 0.60 alike, not 0.89.

The rules, documented in docs/cleanup.md:

* vetoed (never proposed): different known countries; different VAT ids; different register numbers,
  or one number at different courts; for a match on the name alone, different known cities;
* the same VAT id, or the same register number at the same court (or a register that is unique
  nationally: Austrian FN, Swiss CHE): ``0.92 + 0.08 × name similarity``;
* the same register number, court unknown on a side (German numbers repeat between courts):
  ``0.85 + 0.10 × name similarity``;
* the same domain: ``0.75 + 0.23 × name similarity``, minus 0.10 when the cities differ;
* the name alone (similarity ≥ 0.85, the same country or city): ``0.60 + 0.30 × similarity`` with the
  same city, ``0.50 + 0.30 × similarity`` with the city unknown on a side, minus 0.15 when both have
  unrelated domains (``acme.de`` and ``acme.com`` are related); never above 0.90;
* minus 0.05 when both legal forms are known and differ ("Acme GmbH" / "Acme AG").

A pair at or above ``PROPOSE_AT`` (0.80) becomes a merge proposal for review; at or above
``AUTO_MERGE_AT`` (0.97) the cleanup merges it without review. Only a shared identifier with a similar
name, or the same domain with a near-identical name and no conflicting city, reaches 0.97.
Pure: data in, data out.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy
from rapidfuzz import fuzz

from enrich.cleanup.cities import city_key
from enrich.cleanup.model import AccountSnapshot, MergePlan
from enrich.cleanup.names import NameKey, name_key
from enrich.crm.domains import registrable_domain

PROPOSE_AT = 0.80
AUTO_MERGE_AT = 0.97
NAME_ONLY_MIN = 0.85
NAME_ONLY_CAP = 0.90
SHARED_DOMAIN_LIMIT = 25
BLOCK_LIMIT = 60
WINDOW = 12
COMPACT_PREFIX = 5
COMMON_WORD_SHARE = 0.002
COMMON_WORD_MIN = 20

_REGISTER = re.compile(
    r"^\s*(?P<kind>HRB|HRA|GnR|PR|VR|FN|CHE)[\s-]*(?P<number>[\d.]+\s*[a-zA-Z]?)\b\s*,?\s*"
    r"(?:(?:Amtsgericht|Handelsgericht|Landesgericht|Registergericht|Firmenbuchgericht)\s+(?P<court>.+))?$"
)
_NATIONAL_REGISTERS = frozenset({"FN", "CHE"})  # numbers unique in the whole country


@dataclass(frozen=True, slots=True)
class Register:
    number: str  # "HRB 123456", "FN 123456a", "CHE 123.456.789"
    court: str | None  # city key of the register court
    national: bool  # the number alone identifies the company


def read_register(text: str | None) -> Register | None:
    """``"HRB 123456, Amtsgericht München"`` → number and court; None when it is no register entry."""
    if not text:
        return None
    match = _REGISTER.match(text)
    if match is None:
        return None
    kind, number = match["kind"], "".join(match["number"].split()).lower()
    court = city_key(match["court"]) if match["court"] else None
    return Register(f"{kind} {number}", court, kind in _NATIONAL_REGISTERS)


@dataclass(frozen=True, slots=True)
class AccountKey:
    """What duplicate detection needs of one account."""

    account_id: int
    label: str
    name: NameKey
    domain: str | None
    country: str | None
    city: str | None  # city key
    register: Register | None
    vat_id: str | None
    has_crm_id: bool
    engagement: int  # contacts + activities: the survivor of a merge is the richer record
    created_at: datetime | None


def account_key(snapshot: AccountSnapshot) -> AccountKey:
    vat = "".join(snapshot.vat_id.split()).upper() if snapshot.vat_id else None
    domain = None
    if snapshot.domain:
        try:
            domain = registrable_domain(snapshot.domain)
        except ValueError:
            domain = snapshot.domain.lower()
    return AccountKey(
        snapshot.account_id,
        snapshot.label,
        name_key(snapshot.name),
        domain,
        _shared_text(snapshot.country.upper() if snapshot.country else None),
        _shared_text(city_key(snapshot.city)),
        read_register(snapshot.register),
        vat,
        snapshot.crm_id is not None,
        snapshot.contacts + snapshot.activities,
        snapshot.created_at,
    )


def _shared_text(text: str | None) -> str | None:
    """Countries and cities repeat across 100k keys: one copy of each (``sys.intern``)."""
    return sys.intern(text) if text is not None else None


@dataclass(frozen=True)
class DuplicateResult:
    plans: list[MergePlan]
    pairs_compared: int
    all_pairs: int
    blocks: int
    largest_block: int


def find_duplicates(keys: Sequence[AccountKey], *, focus: Collection[int] | None = None) -> DuplicateResult:
    """Merge proposals for ``keys``, best first; with ``focus`` (account ids), only pairs with at least
    one focus account are compared (``--since``: what changed against everything)."""
    shared = _shared_domains(keys)
    common = common_words(keys)
    blocks = 0
    largest = 0
    # a pair sharing several keys is scored once per block: cheaper in memory than remembering every
    # pair (1.8M on 100k accounts); the distinct count is taken at the end from 8 bytes per comparison
    compared = array("q")
    best: dict[tuple[int, int], MergePlan] = {}
    count = len(keys)
    for members in _blocks(keys, shared):
        blocks += 1
        largest = max(largest, len(members))
        for first, second in _pairs_in_block(keys, members):
            low, high = (first, second) if first < second else (second, first)
            if focus is not None and keys[low].account_id not in focus and keys[high].account_id not in focus:
                continue
            compared.append(low * count + high)
            if (low, high) in best:
                continue
            scored = score_pair(keys[low], keys[high], shared, common)
            if scored is not None and scored[0] >= PROPOSE_AT:
                best[(low, high)] = _plan(keys[low], keys[high], *scored)
    plans = sorted(best.values(), key=lambda plan: (-plan.similarity, plan.keep_id, plan.merge_id))
    return DuplicateResult(plans, _distinct(compared), count * (count - 1) // 2, blocks, largest)


def _distinct(values: array[int]) -> int:
    """How many distinct values, sorting them in place (``numpy.unique`` would copy them twice)."""
    if not values:
        return 0
    in_place = numpy.frombuffer(values, dtype=numpy.int64)
    in_place.sort()
    return 1 + int(numpy.count_nonzero(in_place[1:] != in_place[:-1]))


def score_pair(
    a: AccountKey, b: AccountKey, shared_domains: Collection[str] = (), common: Collection[str] = ()
) -> tuple[float, dict[str, Any]] | None:
    """(similarity, evidence) of two accounts, or None when something says they are different companies."""
    if a.country and b.country and a.country != b.country:
        return None
    if a.vat_id and b.vat_id and a.vat_id != b.vat_id:
        return None
    register_match: str | None = None
    if a.register and b.register:
        if a.register.number != b.register.number:
            return None
        courts_known = a.register.court is not None and b.register.court is not None
        if courts_known and a.register.court != b.register.court:
            return None
        register_match = "certain" if a.register.national or courts_known else "number"
    name_similarity = name_similarity_of(a.name, b.name, common)
    same_domain = a.domain is not None and a.domain == b.domain and a.domain not in shared_domains
    # acme.de and acme.com are one company's sites as often as not: only unrelated domains count against
    other_domains = (
        a.domain is not None and b.domain is not None and a.domain.split(".")[0] != b.domain.split(".")[0]
    )
    cities_known = a.city is not None and b.city is not None
    evidence: dict[str, Any] = {
        "name_similarity": round(name_similarity, 3),
        "names": [a.label, b.label],
        "city": ("same" if a.city == b.city else "different") if cities_known else "unknown",
        "country": a.country or b.country,
    }
    if a.vat_id is not None and a.vat_id == b.vat_id:
        similarity, evidence["basis"], evidence["vat_id"] = 0.92 + 0.08 * name_similarity, "vat_id", a.vat_id
    elif register_match == "certain":
        assert a.register is not None
        similarity, evidence["basis"] = 0.92 + 0.08 * name_similarity, "register"
        evidence["register"] = a.register.number
    elif register_match == "number":
        assert a.register is not None
        similarity, evidence["basis"] = 0.85 + 0.10 * name_similarity, "register_number"
        evidence["register"] = a.register.number
    elif same_domain:
        similarity, evidence["basis"], evidence["domain"] = 0.75 + 0.23 * name_similarity, "domain", a.domain
        if cities_known and a.city != b.city:
            similarity -= 0.10
    else:
        if name_similarity < NAME_ONLY_MIN:
            return None
        if cities_known and a.city != b.city:
            return None
        same_place = (cities_known and a.city == b.city) or (a.country is not None and a.country == b.country)
        if not same_place:
            return None
        evidence["basis"] = "name"
        similarity = (0.60 if cities_known else 0.50) + 0.30 * name_similarity
        if other_domains:
            similarity -= 0.15
            evidence["domains"] = [a.domain, b.domain]
        similarity = min(similarity, NAME_ONLY_CAP)
    if a.name.legal_form and b.name.legal_form and a.name.legal_form != b.name.legal_form:
        similarity -= 0.05
        evidence["legal_forms"] = [a.name.legal_form, b.name.legal_form]
    return round(min(similarity, 1.0), 4), evidence


def name_similarity_of(a: NameKey, b: NameKey, common: Collection[str] = ()) -> float:
    """rapidfuzz ratio of the word-sorted names, and no more than that of their distinctive words.

    Words many accounts share ("engineering", "software", "müller") say little: "Zenmi Engineering" and
    "Zenno Engineering" look 0.89 alike as a whole but only 0.60 in what tells them apart."""
    whole = fuzz.ratio(a.sorted_text, b.sorted_text) / 100.0
    own_a = " ".join(sorted(word for word in a.tokens if word not in common))
    own_b = " ".join(sorted(word for word in b.tokens if word not in common))
    if not own_a or not own_b:
        return whole
    return min(whole, fuzz.ratio(own_a, own_b) / 100.0)


def common_words(keys: Sequence[AccountKey]) -> frozenset[str]:
    """Name words that more than ``COMMON_WORD_SHARE`` of the accounts (and at least
    ``COMMON_WORD_MIN`` of them) have: trades, legal words, frequent family names."""
    counts: dict[str, int] = defaultdict(int)
    for key in keys:
        for word in set(key.name.tokens):
            counts[word] += 1
    limit = max(COMMON_WORD_MIN, COMMON_WORD_SHARE * len(keys))
    return frozenset(word for word, count in counts.items() if count > limit)


def choose_survivor(a: AccountKey, b: AccountKey) -> tuple[AccountKey, AccountKey]:
    """(keep, merge): the record with a CRM id, then more contacts and activities, then the older one."""

    def rank(key: AccountKey) -> tuple[bool, int, float, int]:
        created = -key.created_at.timestamp() if key.created_at else float("-inf")
        return (key.has_crm_id, key.engagement, created, -key.account_id)

    return (a, b) if rank(a) >= rank(b) else (b, a)


def _plan(a: AccountKey, b: AccountKey, similarity: float, evidence: dict[str, Any]) -> MergePlan:
    keep, merge = choose_survivor(a, b)
    return MergePlan(
        keep.account_id,
        merge.account_id,
        keep.label,
        merge.label,
        similarity,
        evidence,
        automatic=similarity >= AUTO_MERGE_AT,
    )


def _shared_domains(keys: Iterable[AccountKey]) -> frozenset[str]:
    counts: dict[str, int] = defaultdict(int)
    for key in keys:
        if key.domain:
            counts[key.domain] += 1
    return frozenset(domain for domain, count in counts.items() if count > SHARED_DOMAIN_LIMIT)


def _block_keys(key: AccountKey, shared_domains: Collection[str]) -> Iterator[tuple[str, str]]:
    """(kind, value) of every block the account belongs to."""
    if key.domain and key.domain not in shared_domains:
        yield "domain", key.domain
    if key.register:
        yield "register", key.register.number
    if key.vat_id:
        yield "vat", key.vat_id
    if key.name.tokens:
        country = key.country or ""
        yield "name", f"{country} {key.name.tokens[0]}"
        yield "prefix", f"{country} {key.name.compact[:COMPACT_PREFIX]}"
        yield "sorted", f"{country} {key.name.sorted_text.split(' ', 1)[0]}"


BLOCK_KINDS = ("domain", "register", "vat", "name", "prefix", "sorted")


def _blocks(keys: Sequence[AccountKey], shared_domains: Collection[str]) -> Iterator[list[int]]:
    """Blocks of two or more accounts, one kind of key at a time (only one kind's index in memory)."""
    for kind in BLOCK_KINDS:
        index: dict[str, list[int]] = defaultdict(list)
        for position, key in enumerate(keys):
            for block_kind, value in _block_keys(key, shared_domains):
                if block_kind == kind:
                    index[value].append(position)
        for members in index.values():
            if len(members) > 1:
                yield members
        del index


def _pairs_in_block(keys: Sequence[AccountKey], members: list[int]) -> Iterator[tuple[int, int]]:
    if len(members) <= BLOCK_LIMIT:
        for offset, first in enumerate(members):
            for second in members[offset + 1 :]:
                yield first, second
        return
    ordered = sorted(members, key=lambda at: (keys[at].name.sorted_text, keys[at].city or ""))
    for offset, first in enumerate(ordered):
        for second in ordered[offset + 1 : offset + 1 + WINDOW]:
            yield first, second
