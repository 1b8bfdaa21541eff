"""Contacts: people at the accounts, with titles across seniorities, e-mails, departments and phones.

Most e-mails sit on the account's domain; a few are free-mail; some contacts have no AccountId although
their company e-mail domain matches an account (the import has to link them by domain).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from samplegen.companies import Company, ascii_slug, id_sequence
from samplegen.vocabulary import FIRST_NAMES, FREE_MAIL_DOMAINS, LAST_NAMES, ROLES_DE, ROLES_EN, Role

CALLING_CODES = {
    "DE": "49", "AT": "43", "CH": "41", "GB": "44", "US": "1", "CA": "1", "FR": "33", "NL": "31",
    "SE": "46", "IE": "353", "ES": "34", "IT": "39", "PL": "48", "DK": "45", "BE": "32",
}  # fmt: skip


@dataclass
class Contact:
    """One person. ``account`` is the CRM link (None: AccountId empty); ``employer`` is where they work."""

    crm_id: str
    account: Company | None
    employer: Company
    first_name: str
    last_name: str
    email: str
    role: Role
    title: str
    department: str
    phone: str

    def crm_row(self) -> dict[str, str]:
        return {
            "Id": self.crm_id,
            "AccountId": self.account.crm_id if self.account else "",
            "FirstName": self.first_name,
            "LastName": self.last_name,
            "Email": self.email,
            "Title": self.title,
            "Department": self.department,
            "Phone": self.phone,
        }


def _role(rng: random.Random, employer: Company, female: bool) -> tuple[Role, str]:
    """A role and the title as written; small companies put their founders in the CRM more often."""
    weights = {"c_level": 9, "vp": 8, "head": 20, "manager": 30, "individual": 26, "student": 7}
    if employer.employee_count < 50:
        weights |= {"c_level": 35, "vp": 2}
    seniority = rng.choices(list(weights), weights=list(weights.values()))[0]
    german = employer.language == "de" and rng.random() < 0.6
    roles = [role for role in (ROLES_DE if german else ROLES_EN) if role.seniority == seniority]
    role = rng.choice(
        roles or [role for role in ROLES_EN if role.seniority == seniority]
    )  # "VP" has no German form
    title = role.title
    if "/" in title:  # German titles come as "masculine/feminine"
        title = title.split("/")[1 if female else 0]
    return role, title


def phone_number(rng: random.Random, company: Company) -> str:
    """A number in one of the ways people type them; UK and US numbers use the ranges kept for fiction."""
    place = company.place
    code = CALLING_CODES[place.country]
    if place.country in {"US", "CA"}:
        area, line = place.phone_area, f"{rng.randrange(100):02d}"
        return rng.choice((f"({area}) 555-01{line}", f"+1 {area}-555-01{line}", f"{area}.555.01{line}"))
    if place.country == "GB":
        subscriber = f"{place.phone_area} 0{rng.randrange(1000):03d}"
        return rng.choice((f"+44 {subscriber}", f"0{subscriber}"))
    number = f"{rng.randrange(10**5, 10**7)}"
    return rng.choice(
        (
            f"+{code} {place.phone_area} {number}",
            f"0{place.phone_area} {number}",
            f"+{code} (0){place.phone_area} {number[:-2]}-{number[-2:]}",
        )
    )


def _email_local(rng: random.Random, first: str, last: str, small_company: bool) -> str:
    first_slug, last_slug = ascii_slug(first, ""), ascii_slug(last, "")
    patterns = [f"{first_slug}.{last_slug}"] * 6 + [
        f"{first_slug[0]}.{last_slug}",
        f"{first_slug[0]}{last_slug}",
    ]
    if small_company:
        patterns += [first_slug] * 3
    return rng.choice(patterns)


def _free_mail_local(rng: random.Random, first: str, last: str) -> str:
    first_slug, last_slug = ascii_slug(first, ""), ascii_slug(last, "")
    return rng.choice(
        (
            f"{first_slug}.{last_slug}{rng.randrange(10, 99)}",
            f"{first_slug}_{last_slug}",
            f"{last_slug}.{first_slug}",
        )
    )


def _person(
    rng: random.Random,
    crm_id: str,
    account: Company | None,
    employer: Company,
    used: set[str],
    free_mail: bool,
) -> Contact:
    language = employer.language if employer.language in FIRST_NAMES else "en"
    female = rng.random() < 0.45
    first = rng.choice(FIRST_NAMES[language][0 if female else 1])
    last = rng.choice(LAST_NAMES[language])
    role, title = _role(rng, employer, female)
    free_mail = free_mail or employer.placeholder_website
    domain = rng.choice(FREE_MAIL_DOMAINS) if free_mail else employer.domain
    if employer.placeholder_website:
        domain = "gmail.com"
    local = (
        _free_mail_local(rng, first, last)
        if free_mail
        else _email_local(rng, first, last, employer.employee_count < 50)
    )
    email, suffix = f"{local}@{domain}", 2
    while email in used:
        email, suffix = f"{local}{suffix}@{domain}", suffix + 1
    used.add(email)
    return Contact(
        crm_id=crm_id,
        account=account,
        employer=employer,
        first_name=first,
        last_name=last,
        email=email,
        role=role,
        title=title,
        department=role.department if rng.random() < 0.75 else "",
        phone=phone_number(rng, employer) if rng.random() < 0.65 else "",
    )


def build_contacts(
    rng: random.Random, companies: list[Company], linked: int = 575, unlinked: int = 25
) -> list[Contact]:
    """``linked`` contacts with an AccountId (bigger companies get more) plus ``unlinked`` without one.

    Unlinked contacts always have a company e-mail on the domain of exactly one account, so linking by
    domain is possible and unambiguous; about 3% of linked contacts use free-mail.
    """
    crm_ids = iter(id_sequence(rng, "003", linked + unlinked))
    used: set[str] = set()
    weights = [0.5 + len(str(company.employee_count)) for company in companies]
    contacts = [
        _person(rng, next(crm_ids), company, company, used, free_mail=rng.random() < 0.03)
        for company in rng.choices(companies, weights=weights, k=linked)
    ]
    domain_counts: dict[str, int] = {}
    for company in companies:
        domain_counts[company.domain] = domain_counts.get(company.domain, 0) + 1
    linkable = [c for c in companies if domain_counts[c.domain] == 1 and not c.placeholder_website]
    contacts += [
        _person(rng, next(crm_ids), None, employer, used, free_mail=False)
        for employer in rng.choices(linkable, k=unlinked)
    ]
    contacts.sort(key=lambda contact: contact.crm_id)
    return contacts
