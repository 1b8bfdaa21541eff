"""Which pages to fetch: links on the homepage and sitemap entries, same site only, ranked, capped."""

from __future__ import annotations

from enrich.extract import discover_pages, registrable_domain, sitemap_candidates
from enrich.extract.discovery import child_sitemaps, links, same_site

GERMAN_NAV = """
<html><head><base href="https://www.mueller-maschinen.de/"></head><body>
<header><nav>
  <a href="/">Startseite</a>
  <a href="/produkte/">Produkte</a>
  <a href="/unternehmen/">Unternehmen</a>
  <a href="/unternehmen/#team">Unser Team</a>
  <a href="karriere/">Karriere</a>
  <a href="https://mueller-maschinen.de/kontakt">Kontakt</a>
  <a href="/bestellen/">Bestellen</a>
</nav></header>
<main><a href="/news/2024/mueller-ist-top-arbeitgeber-im-unternehmen-ranking">Müller ist Top-Arbeitgeber im
 Unternehmen-Ranking 2024 der Region</a></main>
<footer>
  <a href="/impressum">Impressum</a> <a href="/datenschutz">Datenschutz</a> <a href="/agb">AGB</a>
  <a href="mailto:info@mueller-maschinen.de">E-Mail</a> <a href="tel:+49891234">Telefon</a>
  <a href="javascript:void(0)">Cookie-Einstellungen</a> <a href="https://www.linkedin.com/company/mueller">LinkedIn</a>
  <a href="https://shop.mueller-maschinen.de/ueber-uns/">Über uns (Shop)</a>
  <a href="/downloads/unternehmensprofil.pdf">Unternehmensprofil (PDF)</a>
</footer></body></html>
"""


def test_german_navigation_gives_imprint_about_careers_contact_in_that_order() -> None:
    found = discover_pages("https://www.mueller-maschinen.de/", GERMAN_NAV)
    assert [(candidate.role, candidate.url) for candidate in found] == [
        ("homepage", "https://www.mueller-maschinen.de/"),
        ("imprint", "https://www.mueller-maschinen.de/impressum"),
        ("about", "https://www.mueller-maschinen.de/unternehmen/"),
        ("careers", "https://www.mueller-maschinen.de/karriere/"),
        ("contact", "https://mueller-maschinen.de/kontakt"),
        ("about", "https://shop.mueller-maschinen.de/ueber-uns/"),
    ]


def test_fragments_mailto_tel_javascript_files_other_sites_and_excluded_pages_never_come_back() -> None:
    urls = [
        candidate.url
        for candidate in discover_pages("https://www.mueller-maschinen.de/", GERMAN_NAV, max_pages=20)
    ]
    assert all("#" not in url for url in urls)
    assert not any(
        word in url for url in urls for word in ("mailto", "tel:", "javascript", "linkedin", ".pdf")
    )
    assert not any(
        word in url for url in urls for word in ("datenschutz", "agb", "bestellen", "news", "produkte")
    )
    assert len(urls) == len(set(urls))


def test_at_most_max_pages_including_the_homepage() -> None:
    assert len(discover_pages("https://www.mueller-maschinen.de/", GERMAN_NAV, max_pages=3)) == 3
    assert len(discover_pages("https://www.mueller-maschinen.de/", GERMAN_NAV)) == 6


ENGLISH_NAV = """
<nav><a href="https://acme.com/">Home</a><a href="https://acme.com/solutions">Solutions</a>
<a href="https://acme.com/company/about-us">About</a><a href="https://acme.com/about-us/">Who we are</a>
<a href="https://acme.com/careers#open-roles">Join us</a>
<a href="https://acme.com/contact-us">Contact sales</a>
<a href="https://acme.com/legal/privacy">Privacy</a><a href="https://acme.com/legal-notice">Legal notice</a>
<a href="http://www.acme.com/about-us">About us</a></nav>
"""


def test_english_navigation_with_www_and_apex_and_http_duplicates_counted_once() -> None:
    found = discover_pages("https://www.acme.com/", ENGLISH_NAV)
    assert [(candidate.role, candidate.url) for candidate in found] == [
        ("homepage", "https://www.acme.com/"),
        ("imprint", "https://acme.com/legal-notice"),
        ("about", "https://acme.com/about-us/"),  # shallower path first
        ("careers", "https://acme.com/careers"),
        ("contact", "https://acme.com/contact-us"),
        ("about", "https://acme.com/company/about-us"),
    ]


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://acme.com/</loc></url>
  <url><loc>https://acme.com/blog/how-we-hire</loc></url>
  <url><loc>https://acme.com/de/impressum/</loc></url>
  <url><loc><![CDATA[https://www.acme.com/company/facts-and-figures?lang=en&amp;v=2]]></loc></url>
  <url><loc>https://acme.com/jobs/</loc></url>
  <url><loc>https://other-company.com/about/</loc></url>
  <url><loc>https://acme.com/privacy-policy/</loc></url>
</urlset>"""


def test_sitemap_hints_are_same_site_pages_with_a_role_ranked() -> None:
    assert sitemap_candidates(SITEMAP, "https://acme.com/") == [
        "https://acme.com/de/impressum/",
        "https://www.acme.com/company/facts-and-figures?lang=en&v=2",
        "https://acme.com/jobs/",
    ]


def test_sitemap_fills_roles_the_homepage_does_not_link() -> None:
    found = discover_pages("https://acme.com/", '<a href="/contact">Contact</a>', sitemap_xml=SITEMAP)
    assert [candidate.role for candidate in found] == ["homepage", "imprint", "about", "careers", "contact"]
    assert found[1].reason.startswith("sitemap")


def test_sitemap_index_lists_child_sitemaps_of_the_same_site() -> None:
    index = """<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://acme.com/sitemap-pages.xml</loc></sitemap>
      <sitemap><loc>https://cdn.other.net/sitemap.xml</loc></sitemap></sitemapindex>"""
    assert child_sitemaps(index, "https://www.acme.com/") == ["https://acme.com/sitemap-pages.xml"]
    assert child_sitemaps(SITEMAP, "https://acme.com/") == []


def test_registrable_domains_treat_www_apex_and_subdomains_as_one_site() -> None:
    assert registrable_domain("www.acme.co.uk") == "acme.co.uk"
    assert registrable_domain("jobs.acme.com") == "acme.com"
    assert registrable_domain("targa-resources.example") == "targa-resources.example"
    assert same_site("https://jobs.acme.com/x", "https://www.acme.com/")
    assert not same_site("https://acme.co.uk/", "https://acme.com/")
    assert not same_site("ftp://acme.com/", "https://acme.com/")


def test_link_text_comes_from_the_anchor_and_relative_links_resolve_against_base() -> None:
    found = links(
        '<base href="https://acme.com/en/"><a href="about"><span>About</span> <b>us</b></a>', "https://x"
    )
    assert found == [("https://acme.com/en/about", "About us")]
