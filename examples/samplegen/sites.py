"""Demo websites for 20 accounts whose employee count and/or industry the CRM lacks, and their truth.

Each scenario states the company's facts in one of the ways real sites do: JSON-LD, an Impressum, a
sentence on the about or careers page, a footer, a statistics block. Some are hard on purpose: no
employee figure at all, two figures that disagree, robots.txt that forbids everything, a parked domain.
TRUTH.csv records what each site states, which is what an extractor should find.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from samplegen.companies import Company
from samplegen.people import phone_number
from samplegen.site_pages import (
    NBSP,
    SiteDraft,
    city_of,
    contact_body,
    de_number,
    en_number,
    english_legal,
    german_imprint,
    nbsp_number,
    organization_json_ld,
    parked_page,
    robots_txt,
    swiss_number,
)

TRUTH_HEADERS = (
    "domain",
    "employee_count",
    "industry",
    "country",
    "city",
    "founded_year",
    "scenario",
    "note",
)


@dataclass(frozen=True)
class Site:
    """A generated website and the facts it states (None or "" where it states none)."""

    domain: str
    scenario: str
    files: dict[str, str]
    employee_count: int | None
    industry: str
    country: str
    city: str
    founded_year: int | None
    note: str = ""

    def truth_row(self) -> dict[str, str]:
        return {
            "domain": self.domain,
            "employee_count": "" if self.employee_count is None else str(self.employee_count),
            "industry": self.industry,
            "country": self.country,
            "city": self.city,
            "founded_year": "" if self.founded_year is None else str(self.founded_year),
            "scenario": self.scenario,
            "note": self.note,
        }


@dataclass(frozen=True)
class Texts:
    """What a scenario puts where; empty strings leave the standard page text alone."""

    about: str = ""
    careers: str = ""
    home_extra: str = ""
    skip: tuple[str, ...] = ()  # standard pages the scenario writes itself, elsewhere


def _article(phrase: str) -> str:
    return "an" if phrase[0].lower() in "aeiou" or phrase.startswith("IT ") else "a"


def _standard_site(rng: random.Random, draft: SiteDraft, texts: Texts, *, imprint: bool = True) -> None:
    """Homepage, about, careers, contact and (where the country expects one) an imprint, in that order."""
    company, german = draft.company, draft.language == "de"
    brand, legal = draft.brand, escape(company.legal_name)
    if german:
        intro = f"<p>Die {legal} ist ein {company.industry.blurb_de}.</p>"
        news = "<h2>Aktuelles</h2>\n<p>Besuchen Sie uns auf der Messe – wir freuen uns auf Ihren Besuch!</p>"
    else:
        blurb = company.industry.blurb_en
        intro = f"<p>{legal} is {_article(blurb)} {blurb}.</p>"
        news = "<h2>News</h2>\n<p>Meet our team at the autumn trade fair – book a slot with our experts.</p>"
    hero = f'<section class="hero">\n<h1>{brand}</h1>\n{intro}\n</section>\n'
    home = f"{hero}{texts.home_extra}<section>\n{news}\n</section>"
    draft.add(
        "home",
        "Start" if german else "Home",
        home,
        file="index.html",
        link_text="Start" if german else "Home",
    )
    default_about = (
        f"<p>Wir sind {brand}. Qualität, Verlässlichkeit und kurze Wege zeichnen uns aus.</p>"
        if german
        else f"<p>We are {brand}. Quality, reliability and short lines of communication set us apart.</p>"
    )
    about_title = "Über uns" if german else "About us"
    if "about" not in texts.skip:
        draft.add("about", about_title, f"<h1>{about_title}</h1>\n{intro}\n{texts.about or default_about}")
    default_careers = (
        "<p>Wir suchen Verstärkung (m/w/d) in Vertrieb, Entwicklung und Service. Jetzt bewerben!</p>"
        if german
        else "<p>We are hiring in sales, engineering and customer success. Apply today!</p>"
    )
    careers_title = "Karriere" if german else "Careers"
    if "careers" not in texts.skip:
        draft.add("careers", careers_title, f"<h1>{careers_title}</h1>\n{texts.careers or default_careers}")
    draft.add(
        "contact",
        "Kontakt" if german else "Contact",
        contact_body(company, draft.language, phone_number(rng, company)),
    )
    if imprint and german:
        draft.add("imprint", "Impressum", german_imprint(rng, company))
    elif imprint and company.place.country not in {"US", "CA"}:
        draft.add(
            "imprint",
            "Legal notice",
            f"<h1>Legal notice</h1>\n<p>{legal}<br>\n{draft.address_line()}</p>\n"
            f"<p>{english_legal(rng, company)}</p>",
        )
    draft.robots = draft.robots or robots_txt(company.domain, sitemap=draft.sitemap)


Scenario = Callable[[random.Random, SiteDraft, int, int], str]
"""Writes a site for (rng, draft, employee count, founding year); returns the note for TRUTH.csv."""


def de_json_ld(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    value = {"@type": "QuantitativeValue", "value": employees}
    draft.json_ld = organization_json_ld(draft.company, "de", value, str(year))
    draft.sitemap = True
    _standard_site(
        rng, draft, Texts(about=f"<p>Seit der Gründung {year} wachsen wir mit unseren Kunden.</p>")
    )
    return ""


def de_imprint_and_about(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    about = (
        f"<p>Mit über {de_number(employees)} Mitarbeitenden an drei Standorten ist die {draft.brand} "
        f"heute ein gefragter Partner – gegründet {year} in {escape(city_of(draft.company, 'de'))}.</p>"
    )
    _standard_site(rng, draft, Texts(about=about))
    return ""


def de_footer_facts(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    city = escape(city_of(draft.company, "de"))
    draft.footer_facts = f"Gegründet {year} · {de_number(employees)}&nbsp;Mitarbeiter · Sitz: {city}"
    _standard_site(rng, draft, Texts())
    return ""


def de_careers_nbsp(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    city = escape(city_of(draft.company, "de"))
    careers = (
        f"<p>Werde Teil unseres Teams aus rund {nbsp_number(employees)}{NBSP}Kolleginnen und Kollegen "
        f"in {city} – z.{NBSP}B. in Vertrieb, Entwicklung oder Service.</p>"
    )
    about = f"<p>Seit {year} steht {draft.brand} für Verlässlichkeit&nbsp;und Qualität.</p>"
    _standard_site(rng, draft, Texts(about=about, careers=careers))
    return ""


def de_no_employee_figure(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    city = escape(city_of(draft.company, "de"))
    _standard_site(
        rng,
        draft,
        Texts(about=f"<p>Das Unternehmen wurde {year} in {city} gegründet und ist inhabergeführt.</p>"),
    )
    return "no employee figure stated"


def de_robots_disallow_all(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    value = {"@type": "QuantitativeValue", "value": employees}
    draft.json_ld = organization_json_ld(draft.company, "de", value, str(year))
    draft.robots = robots_txt(draft.company.domain, sitemap=False, disallow_all=True)
    _standard_site(rng, draft, Texts(about=f"<p>Heute beschäftigen wir {de_number(employees)} Menschen.</p>"))
    return "robots.txt disallows everything: a polite crawler reads nothing here"


def de_team_heads(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    about = f"<p>Unser Team: {employees} Köpfe, ein Ziel. Gegründet {year}, bis heute unabhängig.</p>"
    _standard_site(rng, draft, Texts(about=about))
    return ""


def de_number_in_country_style(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    swiss = draft.company.place.country == "CH"
    count = swiss_number(employees) if swiss else de_number(employees)
    city = escape(city_of(draft.company, "de"))
    about = f"<p>Über {count} Mitarbeitende arbeiten in {city} und weltweit für unsere Kunden.</p>"
    draft.footer_facts = f"Seit {year} Ihr Partner"
    _standard_site(rng, draft, Texts(about=about))
    return "Swiss thousands separator (1'200)" if swiss and employees >= 1000 else ""


def de_json_ld_plain_number(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    draft.json_ld = organization_json_ld(draft.company, "de", employees, f"{year}-01-01")
    _standard_site(rng, draft, Texts())
    return "JSON-LD numberOfEmployees is a bare number"


def en_json_ld(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    value = {"@type": "QuantitativeValue", "value": employees}
    draft.json_ld = organization_json_ld(draft.company, "en", value, str(year))
    _standard_site(rng, draft, Texts(about=f"<p>Since {year} we have grown together with our customers.</p>"))
    return ""


def en_more_than(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    city = escape(city_of(draft.company, "en"))
    about = (
        f"<p>Today more than {en_number(employees)} people work at {draft.brand}. Founded in {year} and "
        f"headquartered in {city}, we serve customers across Europe and North America.</p>"
    )
    draft.sitemap = True
    _standard_site(rng, draft, Texts(about=about))
    return ""


def en_footer_facts(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    city = escape(city_of(draft.company, "en"))
    draft.footer_facts = f"Founded {year} · {en_number(employees)} employees · Headquartered in {city}"
    _standard_site(rng, draft, Texts())
    return ""


def en_careers_team(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    city = escape(city_of(draft.company, "en"))
    careers = f"<p>Join our team of {en_number(employees)} people in {city} and remote.</p>"
    _standard_site(
        rng, draft, Texts(about=f"<p>Since {year} we have built things that last.</p>", careers=careers)
    )
    return ""


def en_contradiction(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    about = f"<p>{draft.brand} employs 250 people and was founded in {year}.</p>"
    careers = "<p>We are growing fast: over 400 colleagues already work with us. Join them!</p>"
    _standard_site(rng, draft, Texts(about=about, careers=careers))
    return "contradiction: about page says 250, careers page says over 400"


def en_no_employee_figure(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    city = escape(city_of(draft.company, "en"))
    _standard_site(
        rng, draft, Texts(about=f"<p>Established in {year}, we are proud to call {city} home.</p>")
    )
    return "no employee figure stated"


def en_registered_office(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    draft.footer_legal = english_legal(rng, draft.company)
    about = f"<p>Established in {year}, our {en_number(employees)} staff look after customers every day.</p>"
    _standard_site(rng, draft, Texts(about=about), imprint=False)
    return ""


def en_stats_block(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    stats = (
        '<section class="stats">\n'
        f"  <div><strong>{en_number(employees)}+</strong><span>employees</span></div>\n"
        f"  <div><strong>{year}</strong><span>founded</span></div>\n"
        f"  <div><strong>{rng.randrange(3, 30)}</strong><span>countries served</span></div>\n"
        "</section>\n"
    )
    _standard_site(rng, draft, Texts(home_extra=stats))
    return "figure split across elements in a statistics block"


def en_nested_pages(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    draft.sitemap = True
    _standard_site(rng, draft, Texts(skip=("about", "careers")))
    about = (
        f"<h1>Who we are</h1>\n<p>We are {en_number(employees)} people who love solving hard problems.</p>"
    )
    draft.add("about", "Who we are", about, file="company/about-us.html", link_text="Company")
    history = f"<h1>Our history</h1>\n<p>It all started in {year} with two founders and a whiteboard.</p>"
    draft.add("history", "Our history", history, file="company/history.html", link_text="History")
    jobs = "<h1>Jobs</h1>\n<p>Open positions are listed below.</p>"
    draft.add("careers", "Jobs", jobs, file="jobs/index.html", link_text="Jobs")
    return "about and careers under non-standard paths (company/, jobs/), listed in sitemap.xml"


def en_json_ld_graph(rng: random.Random, draft: SiteDraft, employees: int, year: int) -> str:
    company = draft.company
    value = {"@type": "QuantitativeValue", "value": employees}
    organization = organization_json_ld(company, "en", value, str(year))
    website = f'{{"@type": "WebSite", "url": "https://www.{company.domain}/", "name": "{company.brand}"}}'
    draft.json_ld = f'{{"@context": "https://schema.org", "@graph": [\n{website},\n{organization}\n]}}'
    _standard_site(rng, draft, Texts())
    return "JSON-LD inside an @graph (as SEO plugins write it)"


@dataclass(frozen=True)
class Casting:
    """Which account suits a scenario: its site language, and preferences that make the scenario bite."""

    scenario: Scenario
    language: str
    country: str = ""  # preferred country (an Austrian imprint wants an Austrian company)
    large: bool = False  # prefer 1,000+ employees, so thousands separators show
    empty_employee_cell: bool = False  # the site states a figure the CRM must not contradict

    def preference(self, company: Company) -> int:
        return 2 * (company.place.country == self.country) + (self.large and company.employee_count >= 1000)


CASTINGS: tuple[Casting, ...] = (
    Casting(de_json_ld, "de"),
    Casting(de_imprint_and_about, "de", "DE", large=True),
    Casting(de_footer_facts, "de"),
    Casting(de_careers_nbsp, "de", large=True),
    Casting(de_no_employee_figure, "de"),
    Casting(de_robots_disallow_all, "de"),
    Casting(de_team_heads, "de", "AT"),
    Casting(de_number_in_country_style, "de", "CH", large=True),
    Casting(de_json_ld_plain_number, "de"),
    Casting(en_json_ld, "en", "US"),
    Casting(en_more_than, "en", large=True),
    Casting(en_footer_facts, "en", "GB"),
    Casting(en_careers_team, "en"),
    Casting(en_contradiction, "en", empty_employee_cell=True),
    Casting(en_no_employee_figure, "en"),
    Casting(en_registered_office, "en", "GB"),
    Casting(en_stats_block, "en", large=True),
    Casting(en_nested_pages, "en"),
    Casting(en_json_ld_graph, "en"),
)
NO_FIGURE = {de_no_employee_figure, en_no_employee_figure}


def _site_language(company: Company) -> str:
    return "de" if company.language == "de" else "en"


def build_sites(rng: random.Random, companies: list[Company], parked: int = 1) -> list[Site]:
    """One site per scenario plus ``parked`` parked domains, for accounts the CRM knows too little about.

    Candidates have a real website in the CRM, a domain no other account shares, and no employee count
    or no industry. Sites are returned sorted by domain.
    """
    domain_counts: dict[str, int] = {}
    for company in companies:
        domain_counts[company.domain] = domain_counts.get(company.domain, 0) + 1
    pool = [
        c
        for c in companies
        if c.crm_website and not c.placeholder_website and domain_counts[c.domain] == 1
        and (not c.crm_employees or not c.crm_industry)
    ]  # fmt: skip
    rng.shuffle(pool)
    sites = []
    for casting in CASTINGS:
        fitting = [
            c
            for c in pool
            if _site_language(c) == casting.language
            and (c.crm_employees == "" or not casting.empty_employee_cell)
        ]
        company = max(fitting, key=casting.preference)  # the first of the best, in shuffled order
        pool.remove(company)
        scenario, language = casting.scenario, casting.language
        stated = 250 if scenario is en_contradiction else company.employee_count
        draft = SiteDraft(company, language)
        note = scenario(rng, draft, stated, company.founded_year)
        files = draft.files()
        if company.place.country == "CH":  # Swiss German has no ß
            files = {path: text.replace("ß", "ss") for path, text in files.items()}
        sites.append(
            Site(
                domain=company.domain,
                scenario=scenario.__name__,
                files=files,
                employee_count=None if scenario in NO_FIGURE else stated,
                industry=company.industry.name,
                country=company.place.country,
                city=city_of(company, language),
                founded_year=company.founded_year,
                note=note,
            )
        )
    for company in pool[:parked]:
        files = {"index.html": parked_page(company.domain)}
        sites.append(Site(company.domain, "parked", files, None, "", "", "", None, "parked domain for sale"))
    sites.sort(key=lambda site: site.domain)
    return sites
