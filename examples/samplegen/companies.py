"""Accounts: first the truth about each invented company, then the CRM's messy view of it.

The truth (size, industry, city, founding year) drives the demo websites and the engagement a company
shows; the CRM view leaves deliberate gaps (~30% no employee count, ~20% no industry, ~5% no website),
spells countries and industries in assorted ways and holds a few duplicates and placeholders.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from samplegen.vocabulary import (
    COUNTRIES,
    COUNTRY_TLDS,
    INDUSTRIES,
    LAST_NAMES,
    LEGAL_FORMS,
    NAME_STEMS_DE,
    NAME_STEMS_EN,
    NAME_TAILS_DE,
    PLACES,
    STREETS,
    Industry,
    Place,
)

REFERENCE_DATE = datetime(2026, 11, 20, tzinfo=UTC)
TARGET_REGIONS = {"DE": 1.0, "AT": 1.0, "CH": 1.0, "GB": 0.8, "NL": 0.8, "US": 0.8, "CA": 0.7, "IE": 0.7}
OWNER_REGIONS = ("dach", "dach", "uk", "na", "na", "europe", "enterprise")
PLACEHOLDER_WEBSITE = "gmail.com"


def weighted_choice(
    rng: random.Random, options: tuple[tuple[str, int], ...] | tuple[tuple[str, float], ...]
) -> str:
    """One label from ``(label, weight)`` pairs."""
    return rng.choices([label for label, _ in options], weights=[weight for _, weight in options])[0]


_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def salesforce_id(key_prefix: str, counter: int) -> str:
    """An 18-character Salesforce record id: key prefix, pod "8d", "0", 9 base-62 digits, 3 checksum chars.

    The checksum is Salesforce's own: each 5-character chunk of the 15-character id becomes one
    character whose bits mark the chunk's upper-case letters.
    """
    digits = ""
    while counter:
        counter, remainder = divmod(counter, 62)
        digits = _BASE62[remainder] + digits
    base = f"{key_prefix}8d0{digits:0>9}"
    checksum = "".join(
        _CHECKSUM_ALPHABET[
            sum(1 << bit for bit, char in enumerate(base[start : start + 5]) if char.isupper())
        ]
        for start in (0, 5, 10)
    )
    return base + checksum


def id_sequence(rng: random.Random, key_prefix: str, count: int) -> list[str]:
    """``count`` ascending ids with the gaps a busy org leaves between records of one object."""
    counter = rng.randrange(62**5, 62**6)
    ids = []
    for _ in range(count):
        counter += rng.randrange(1, 4000)
        ids.append(salesforce_id(key_prefix, counter))
    return ids


def ascii_slug(text: str, separator: str = "-") -> str:
    """Lowercase ASCII for domains and e-mail local parts: ä→ae, ß→ss, é→e, anything else → separator."""
    text = text.lower()
    for german, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ı", "i"), ("ł", "l")):
        text = text.replace(german, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.replace("'", "")
    return re.sub(r"[^a-z0-9]+", separator, text).strip(separator)


def nice_round(count: int) -> int:
    """Headcounts as companies quote them: exact below 100, two significant digits above."""
    if count < 100:
        return count
    scale: int = 10 ** (len(str(count)) - 2)
    return round(count / scale) * scale


@dataclass
class Company:
    """One invented company: what is true about it and how the CRM shows it ("" means an empty cell)."""

    crm_id: str
    owner_id: str
    created: datetime
    legal_name: str
    brand: str
    domain: str
    language: str
    place: Place
    street: str
    industry: Industry
    employee_count: int
    annual_revenue: int
    founded_year: int
    crm_name: str = ""
    crm_website: str = ""
    crm_industry: str = ""
    crm_employees: str = ""
    crm_revenue: str = ""
    crm_city: str = ""
    crm_country: str = ""
    duplicate_of: str = ""  # crm_id of the record this one duplicates
    placeholder_website: bool = False  # the CRM's website is a free-mail domain, not the company's

    @property
    def fit(self) -> float:
        """How well the company matches the vendor's ideal customer profile, 0..1 (drives engagement)."""
        size = self.employee_count
        size_fit = (
            1.0 if 100 <= size <= 2000 else 0.7 if 50 <= size <= 10_000 else 0.4 if size >= 20 else 0.15
        )
        region_fit = TARGET_REGIONS.get(self.place.country, 0.5)
        return 0.45 * self.industry.target + 0.35 * size_fit + 0.2 * region_fit

    def crm_row(self) -> dict[str, str]:
        return {
            "Id": self.crm_id,
            "Name": self.crm_name,
            "Website": self.crm_website,
            "Industry": self.crm_industry,
            "NumberOfEmployees": self.crm_employees,
            "AnnualRevenue": self.crm_revenue,
            "BillingCity": self.crm_city,
            "BillingCountry": self.crm_country,
            "OwnerId": self.owner_id,
            "CreatedDate": self.created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }


def _company_name(rng: random.Random, country: str, language: str, industry: Industry) -> tuple[str, str]:
    """(legal name, brand) in the naming habits of the company's country."""
    legal_form = weighted_choice(rng, LEGAL_FORMS[country])
    pattern = rng.random()
    if language == "de":
        word = rng.choice(industry.words_de)
        if pattern < 0.45:
            brand = rng.choice(NAME_STEMS_DE) + rng.choice(NAME_TAILS_DE)
        elif pattern < 0.8:
            brand = rng.choice(LAST_NAMES["de"]) + rng.choice(("", "", "", " & Söhne", " & Partner"))
        else:
            brand = rng.choice(NAME_STEMS_DE)
        name = f"{brand} {word}"
    else:
        word = rng.choice(industry.words_en)
        surnames = LAST_NAMES.get(language, LAST_NAMES["en"])
        brand = rng.choice(NAME_STEMS_EN) if pattern < 0.65 else rng.choice(surnames)
        name = brand if pattern > 0.9 else f"{brand} {word}"
    legal_name = f"{name}{legal_form}" if legal_form.startswith(",") else f"{name} {legal_form}"
    return legal_name, brand


_LEGAL_FORM_AT_END = re.compile(
    r",? (?:"
    + "|".join(re.escape(form.lstrip(", ")) for forms in LEGAL_FORMS.values() for form, _ in forms)
    + ")$"
)


def without_legal_form(legal_name: str) -> str:
    """``"Isartec Antriebstechnik GmbH & Co. KG"`` → ``"Isartec Antriebstechnik"``."""
    return _LEGAL_FORM_AT_END.sub("", legal_name)


def _domain(rng: random.Random, country: str, industry: Industry, legal_name: str, brand: str) -> str:
    tld = COUNTRY_TLDS[country]
    roll = rng.random()
    if roll < 0.2:
        tld = "com"
    elif roll < 0.28 and industry.name in {"Software", "IT Services"}:
        tld = rng.choice(("io", "ai", "cloud"))
    # A coined brand ("Isartec") may stand alone; a surname or a common word may not, which keeps most
    # labels two-part ("lange-digital") and away from domains that real companies are likely to own.
    coined = brand in _COINED_BRANDS
    label = ascii_slug(brand if coined and rng.random() < 0.6 else without_legal_form(legal_name))
    if "-" not in label and not coined:
        label = f"{label}-{ascii_slug(industry.words_en[0])}"
    return f"{label}.{tld}"


_COINED_BRANDS = frozenset(stem + tail for stem in NAME_STEMS_DE for tail in NAME_TAILS_DE)


def _truth(
    rng: random.Random, crm_id: str, owner_ids: dict[str, list[str]], used_domains: set[str]
) -> Company:
    country = weighted_choice(rng, tuple((code, spec[0]) for code, spec in COUNTRIES.items()))
    language = COUNTRIES[country][1]
    industry = rng.choices(INDUSTRIES, weights=[industry.weight for industry in INDUSTRIES])[0]
    while True:
        legal_name, brand = _company_name(rng, country, language, industry)
        domain = _domain(rng, country, industry, legal_name, brand)
        if domain not in used_domains:
            used_domains.add(domain)
            break
    employees = nice_round(max(2, min(150_000, int(rng.lognormvariate(math.log(90), 1.5)))))
    revenue = employees * industry.revenue_per_employee * rng.lognormvariate(0, 0.35)
    region = "dach" if country in {"DE", "AT", "CH"} else "uk" if country in {"GB", "IE"} else "europe"
    region = "na" if country in {"US", "CA"} else region
    region = "enterprise" if employees >= 1000 else region
    return Company(
        crm_id=crm_id,
        owner_id=rng.choice(owner_ids[region]),
        created=REFERENCE_DATE - timedelta(seconds=rng.randrange(20 * 86400, 7 * 365 * 86400)),
        legal_name=legal_name,
        brand=brand,
        domain=domain,
        language=language,
        place=rng.choice([place for place in PLACES if place.country == country]),
        street=f"{rng.choice(STREETS['de' if language == 'de' else 'en'])} {rng.randrange(1, 120)}",
        industry=industry,
        employee_count=employees,
        annual_revenue=int(float(f"{revenue:.2g}")),
        founded_year=rng.randint(*industry.founded),
    )


_EMPLOYEE_RANGES = (
    ((1, 10), "1-10"), ((11, 50), "11-50"), ((51, 200), "51-200"), ((201, 500), "201-500"),
    ((501, 1000), "501-1,000"), ((1001, 5000), "1,001-5,000"), ((5001, 10_000), "5,001-10,000"),
    ((10_001, 10**9), "10,001+"), ((10, 50), "10-50"), ((50, 200), "50-200"), ((200, 500), "200-500"),
    ((500, 1000), "500-1000"), ((1000, 10**9), "1,000+"), ((1000, 5000), "1000-5000"),
    ((5000, 10**9), "5000+"),
)  # fmt: skip
_REVENUE_RANGES = (
    ((0, 10**6), "<1M"), ((10**6, 10**7), "1M-10M"), ((10**7, 5 * 10**7), "10M-50M"),
    ((5 * 10**7, 10**8), "50M-100M"), ((10**8, 5 * 10**8), "100M-500M"), ((5 * 10**8, 10**9), "500M-1B"),
    ((10**9, 10**15), "1B+"),
)  # fmt: skip


def _range_label(rng: random.Random, value: int, ranges: tuple[tuple[tuple[int, int], str], ...]) -> str:
    return rng.choice([label for (low, high), label in ranges if low <= value <= high])


def java_double(value: int) -> str:
    """``12500000`` → ``"1.25E7"``: how Data Loader prints a large currency value (Java Double.toString)."""
    mantissa, _, exponent = f"{Decimal(value).normalize():E}".partition("E")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}E{int(exponent)}"


_WEBSITE_SHAPES = (
    ("https://www.{d}/", 30), ("www.{d}", 15), ("{d}", 15), ("http://www.{d}", 10), ("https://{d}", 10),
    ("http://{d}/en/", 5), ("https://www.{d}/de/home.html", 5), ("HTTPS://WWW.{D}", 3), ("{d}/", 4),
    (" https://www.{d} ", 3),
)  # fmt: skip


def _crm_view(
    rng: random.Random, company: Company, *, employees: bool, industry: bool, website: bool
) -> None:
    """Fill the CRM cells of one company; the flags say which of the three fields the CRM knows."""
    company.crm_name = company.legal_name
    roll = rng.random()
    if roll < 0.22:
        company.crm_name = without_legal_form(company.legal_name)
    elif roll < 0.26:
        company.crm_name = company.legal_name.upper()  # typed in from a trade-fair badge scan
    shape = weighted_choice(rng, _WEBSITE_SHAPES)
    company.crm_website = shape.format(d=company.domain, D=company.domain.upper()) if website else ""
    company.crm_industry = weighted_choice(rng, company.industry.crm_labels) if industry else ""
    if employees:
        as_range = rng.random() < 0.12
        company.crm_employees = (
            _range_label(rng, company.employee_count, _EMPLOYEE_RANGES)
            if as_range
            else str(company.employee_count)
        )
    revenue_roll = rng.random()
    revenue = company.annual_revenue
    if revenue_roll < 0.38:
        company.crm_revenue = ""
    elif revenue_roll < 0.43:
        company.crm_revenue = _range_label(rng, revenue, _REVENUE_RANGES)
    elif revenue_roll < 0.47 and revenue >= 10**7:
        company.crm_revenue = java_double(revenue)
    elif revenue_roll < 0.57:
        company.crm_revenue = f"{revenue}.00"
    else:
        company.crm_revenue = str(revenue)
    city_roll = rng.random()
    place = company.place
    company.crm_city = place.city if city_roll < 0.8 else place.city_english if city_roll < 0.93 else ""
    spellings = COUNTRIES[place.country][2]
    company.crm_country = weighted_choice(rng, spellings) if rng.random() < 0.96 else ""


def _duplicate(rng: random.Random, original: Company, crm_id: str) -> Company:
    """A second record for the same company: same domain, the name spelt another way."""
    spelling = ascii_slug(original.legal_name, " ").title() if original.language == "de" else original.brand
    if spelling.lower() == original.crm_name.lower():
        spelling = original.legal_name.replace("&", "and").replace(",", "")
    twin = Company(**{**original.__dict__, "crm_id": crm_id, "duplicate_of": original.crm_id})
    twin.created = original.created + (REFERENCE_DATE - original.created) * rng.uniform(0.2, 0.9)
    _crm_view(rng, twin, employees=rng.random() < 0.5, industry=rng.random() < 0.7, website=True)
    twin.crm_name = spelling
    return twin


def build_companies(rng: random.Random, count: int = 200, duplicates: int = 3) -> list[Company]:
    """``count`` accounts in CRM order, ``duplicates`` of them second records of another account.

    Gaps are drawn as exact shares (30% no employee count, 20% no industry, 5% no website) so the
    summary the generator prints matches the design.
    """
    owner_ids = iter(id_sequence(rng, "005", len(OWNER_REGIONS)))
    owners: dict[str, list[str]] = {}
    for region in OWNER_REGIONS:
        owners.setdefault(region, []).append(next(owner_ids))
    crm_ids = id_sequence(rng, "001", count)
    used_domains: set[str] = set()
    originals = [_truth(rng, crm_id, owners, used_domains) for crm_id in crm_ids[: count - duplicates]]
    _pin_german_edge_case(originals)
    # Large German-speaking accounts without a headcount give the demo sites thousands separators to
    # state ("1.300", "1 300", "1'300"); everything else is drawn at random.
    large_german = [i for i, c in enumerate(originals) if c.employee_count >= 1000 and c.language == "de"][:3]
    others = [i for i in range(len(originals)) if i not in large_german]
    no_employees = set(large_german) | set(rng.sample(others, round(0.30 * count) - len(large_german)))
    no_industry = set(rng.sample(range(len(originals)), round(0.20 * count)))
    no_website = set(rng.sample(others, round(0.05 * count)))
    for index, company in enumerate(originals):
        flags = {"employees": index not in no_employees, "industry": index not in no_industry}
        _crm_view(rng, company, website=index not in no_website, **flags)
    placeholder = next(c for c in originals if c.employee_count < 20 and c.crm_website and c.language == "de")
    placeholder.crm_website, placeholder.placeholder_website = PLACEHOLDER_WEBSITE, True
    candidates = [
        c
        for i, c in enumerate(originals)
        if c.crm_website and not c.placeholder_website and i not in large_german
    ]
    twins = [
        _duplicate(rng, original, crm_id)
        for original, crm_id in zip(rng.sample(candidates, duplicates), crm_ids[-duplicates:], strict=True)
    ]
    companies = originals + twins
    companies.sort(key=lambda company: company.crm_id)  # the CRM exports in id order
    return companies


def _pin_german_edge_case(companies: list[Company]) -> None:
    """Make sure one name carries ß, umlauts and an ampersand, whatever the seed drew."""
    company = next(c for c in companies if c.place.country == "DE")
    company.brand = "Weiß & Söhne"
    company.legal_name = f"Weiß & Söhne {company.industry.words_de[0]} GmbH"
    company.domain = "weiss-soehne.de"
