"""HTML for the demo company websites: page layout, navigation, imprints, JSON-LD, robots.txt, sitemap.

A ``SiteDraft`` collects page bodies and footer facts, then ``files()`` wraps every page in the same
layout (navigation and footer known only once all pages are in) and adds robots.txt and sitemap.xml.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from html import escape

from samplegen.companies import Company
from samplegen.vocabulary import FIRST_NAMES, LAST_NAMES

NBSP = "\u00a0"

# page kind: (German file, German link text, English file, English link text)
PAGE_NAMES: dict[str, tuple[str, str, str, str]] = {
    "about": ("ueber-uns.html", "Über uns", "about.html", "About us"),
    "careers": ("karriere.html", "Karriere", "careers.html", "Careers"),
    "contact": ("kontakt.html", "Kontakt", "contact.html", "Contact"),
    "imprint": ("impressum.html", "Impressum", "imprint.html", "Legal notice"),
}


def en_number(count: int) -> str:
    return f"{count:,}"


def de_number(count: int) -> str:
    return f"{count:,}".replace(",", ".")


def nbsp_number(count: int) -> str:
    """``1 200`` with a no-break space as the thousands separator (DIN 5008 style)."""
    return f"{count:,}".replace(",", NBSP)


def swiss_number(count: int) -> str:
    return f"{count:,}".replace(",", "'")


def person_name(rng: random.Random, language: str) -> str:
    language = language if language in FIRST_NAMES else "en"
    first = rng.choice(FIRST_NAMES[language][rng.randrange(2)])
    return f"{first} {rng.choice(LAST_NAMES[language])}"


def city_of(company: Company, language: str) -> str:
    """The city as the site writes it: the local name on German sites, the English one otherwise."""
    return company.place.city if language == "de" else company.place.city_english


@dataclass
class SiteDraft:
    """One website being written: pages in link order, footer facts, optional JSON-LD for the homepage."""

    company: Company
    language: str  # "de" | "en"
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # file → (title, body html)
    nav: list[tuple[str, str]] = field(default_factory=list)  # (file, link text)
    footer_facts: str = ""
    footer_legal: str = ""
    json_ld: str = ""
    robots: str = ""
    sitemap: bool = False

    @property
    def brand(self) -> str:
        return escape(self.company.brand)

    def add(self, kind: str, title: str, body: str, *, file: str = "", link_text: str = "") -> None:
        """Add a page of a kind from PAGE_NAMES (or any ``file``), linked from the navigation."""
        german_file, german_text, english_file, english_text = PAGE_NAMES.get(kind, ("", "", "", ""))
        file = file or (german_file if self.language == "de" else english_file)
        link_text = link_text or (german_text if self.language == "de" else english_text)
        self.pages[file] = (title, body)
        self.nav.append((file, link_text))

    def address_line(self) -> str:
        company = self.company
        city = city_of(company, self.language)
        region = f" {company.place.region}" if company.place.region else ""
        if company.place.country in {"GB", "US", "CA"}:
            return f"{escape(company.street)}, {escape(city)}{region} {company.place.postcode}"
        return f"{escape(company.street)}, {company.place.postcode} {escape(city)}"

    def files(self) -> dict[str, str]:
        """Every file of the site, relative path → text; pages first, then robots.txt and sitemap.xml."""
        out = {"index.html": self._layout("index.html", *self.pages["index.html"])}
        for file, (title, body) in self.pages.items():
            if file != "index.html":
                out[file] = self._layout(file, title, body)
        if self.robots:
            out["robots.txt"] = self.robots
        if self.sitemap:
            out["sitemap.xml"] = sitemap_xml(self.company.domain, list(self.pages))
        return out

    def _layout(self, file: str, title: str, body: str) -> str:
        german = self.language == "de"
        links = "\n".join(
            f'        <li><a href="/{href.removesuffix("index.html")}">{text}</a></li>'
            for href, text in self.nav
        )
        privacy = (
            '<a href="/datenschutz.html">Datenschutz</a>' if german else '<a href="/privacy.html">Privacy</a>'
        )
        imprint_file = PAGE_NAMES["imprint"][0 if german else 2]
        imprint_link = (
            f' · <a href="/{imprint_file}">{PAGE_NAMES["imprint"][1 if german else 3]}</a>'
            if imprint_file in self.pages
            else ""
        )
        head_extra = ""
        if file == "index.html" and self.json_ld:
            head_extra = f'\n<script type="application/ld+json">\n{self.json_ld}\n</script>'
        cookie = (
            "Wir verwenden Cookies, um unsere Website für Sie zu optimieren."
            if german
            else "We use cookies to improve your experience."
        )
        facts = f'\n    <p class="facts">{self.footer_facts}</p>' if self.footer_facts else ""
        legal = f'\n    <p class="legal">{self.footer_legal}</p>' if self.footer_legal else ""
        return f"""<!DOCTYPE html>
<html lang="{self.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – {self.brand}</title>
<link rel="stylesheet" href="/assets/site.css">{head_extra}
</head>
<body>
<header class="site-header">
  <a class="logo" href="/">{self.brand}</a>
  <nav aria-label="{"Hauptnavigation" if german else "Main"}">
    <ul>
{links}
    </ul>
  </nav>
</header>
<main>
{body}
</main>
<footer>{facts}
    <p>© 2026 {escape(self.company.legal_name)} · {self.address_line()}</p>{legal}
    <p>{privacy}{imprint_link}</p>
</footer>
<div class="cookie-banner" role="dialog">{cookie} <button>OK</button></div>
</body>
</html>
"""


def organization_json_ld(company: Company, language: str, employees: object, founding_date: str) -> str:
    """schema.org Organization: name, url, founding date, employees (any shape given), postal address."""
    place = company.place
    document: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": company.legal_name,
        "url": f"https://www.{company.domain}/",
        "logo": f"https://www.{company.domain}/assets/logo.svg",
        "description": company.industry.blurb_de if language == "de" else company.industry.blurb_en,
        "foundingDate": founding_date,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": company.street,
            "postalCode": place.postcode,
            "addressLocality": city_of(company, language),
            "addressCountry": place.country,
        },
        "sameAs": [f"https://www.linkedin.com/company/{company.domain.split('.')[0]}"],
    }
    if employees is not None:
        document["numberOfEmployees"] = employees
    return json.dumps(document, ensure_ascii=False, indent=2)


def german_imprint(rng: random.Random, company: Company) -> str:
    """An Impressum in the form the company's country (DE, AT or CH) requires."""
    place = company.place
    directors = ", ".join(person_name(rng, "de") for _ in range(rng.randrange(1, 3)))
    address = (
        f"{escape(company.legal_name)}<br>\n"
        f"{escape(company.street)}<br>\n{place.postcode} {escape(place.city)}"
    )
    digits = "".join(str(rng.randrange(10)) for _ in range(9))
    if place.country == "AT":
        register = (
            f"Firmenbuchnummer: FN {digits[:6]}{rng.choice('abdfgkmpstvwxyz')}<br>\n"
            f"Firmenbuchgericht: {place.register_court}<br>\nUID-Nr.: ATU{digits[:8]}"
        )
        lead = "Informationen gemäß § 5 ECG und Offenlegung gemäß § 25 MedienG"
    elif place.country == "CH":
        register = (
            f"Handelsregister: {place.register_court}<br>\n"
            f"UID: CHE-{digits[:3]}.{digits[3:6]}.{digits[6:9]}<br>\n"
            f"MWST-Nr.: CHE-{digits[:3]}.{digits[3:6]}.{digits[6:9]} MWST"
        )
        lead = "Verantwortlich für den Inhalt dieser Website"
    else:
        kind = "HRA" if company.legal_name.endswith(("KG", "e.K.")) else "HRB"
        register = (
            f"Handelsregister: {place.register_court} {kind} {digits[: rng.choice((5, 6))]}<br>\n"
            f"USt-IdNr.: DE{digits}"
        )
        lead = "Angaben gemäß § 5 DDG"
    calling_code = {"DE": "49", "AT": "43", "CH": "41"}[place.country]
    board = "Vorstand" if company.legal_name.endswith(" AG") else "Geschäftsführer"
    return f"""<h1>Impressum</h1>
<p>{lead}</p>
<p>{address}</p>
<p>{board}: {escape(directors)}</p>
<p>{register}</p>
<p>Telefon:&nbsp;+{calling_code} {place.phone_area} {digits[3:9]}<br>
E-Mail: info@{company.domain}</p>
<p>Verantwortlich für den Inhalt nach §{NBSP}18 Abs.{NBSP}2 MStV: {escape(directors.split(",")[0])}</p>"""


def english_legal(rng: random.Random, company: Company) -> str:
    """The registration line an English-language footer or legal notice carries for the company's country."""
    digits = "".join(str(rng.randrange(10)) for _ in range(9))
    country = company.place.country
    if country == "GB":
        vat = f"GB {digits[:3]} {digits[3:7]} {digits[7:9]}"
        return f"Registered in England and Wales, company no. {digits[:8]}. VAT reg. no. {vat}"
    if country in {"US", "CA"}:
        return f"{escape(company.legal_name)} is an equal opportunity employer."
    if country == "NL":
        return f"Chamber of Commerce (KvK) no. {digits[:8]} · VAT NL{digits}B01"
    return f"Company registration no. {digits[:8]} · VAT ID {country}{digits}"


def contact_body(company: Company, language: str, phone: str) -> str:
    heading, phone_label = ("Kontakt", "Telefon") if language == "de" else ("Contact us", "Phone")
    place = company.place
    city = city_of(company, language)
    return f"""<h1>{heading}</h1>
<address>
{escape(company.legal_name)}<br>
{escape(company.street)}<br>
{place.postcode} {escape(city)}{f" {place.region}" if place.region else ""}<br>
{phone_label}: {phone}<br>
E-Mail: <a href="mailto:info@{company.domain}">info@{company.domain}</a>
</address>"""


def robots_txt(domain: str, *, sitemap: bool, disallow_all: bool = False) -> str:
    if disallow_all:
        return "User-agent: *\nDisallow: /\n"
    lines = ["User-agent: *", "Disallow: /intern/", "Disallow: /search"]
    if sitemap:
        lines += ["", f"Sitemap: https://www.{domain}/sitemap.xml"]
    return "\n".join(lines) + "\n"


def sitemap_xml(domain: str, files: list[str]) -> str:
    urls = "\n".join(
        f"  <url><loc>https://www.{domain}/{'' if file == 'index.html' else file}</loc></url>"
        for file in files
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n"
    )


def parked_page(domain: str) -> str:
    """What a lapsed domain shows: a sale offer and keyword ads that say nothing about any company."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{domain} – This domain is for sale</title>
</head>
<body>
<h1>{domain}</h1>
<p>This domain is for sale! Diese Domain steht zum Verkauf.</p>
<p><a href="https://domain-marketplace.example/offer/{domain}">Make an offer</a> · Price on request</p>
<h2>Related searches</h2>
<ul>
  <li><a href="/lander?q=business+software">Business Software</a></li>
  <li><a href="/lander?q=crm+tools">CRM Tools</a></li>
  <li><a href="/lander?q=lead+generation">Lead Generation</a></li>
</ul>
<p class="small">The owner of {domain} has not put any content on this domain yet.</p>
</body>
</html>
"""
