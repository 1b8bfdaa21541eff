"""Pages answered with 200 that are not content: recorded as such and never mined."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enrich.extract import Page, PageKind, classify_page, extract_page
from enrich.extract.base import Document

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def page(html: str) -> Page:
    return Page("https://acme.example/about", "https://acme.example/about", html, "0" * 64, NOW)


def kind(html: str) -> PageKind:
    return classify_page(Document(page(html))).kind


CLOUDFLARE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div class='main-wrapper'>"
    "<h1>acme.example</h1><h2>Checking if the site connection is secure</h2>"
    "<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script></div></body></html>"
)
ATTENTION = (
    "<html><head><title>Attention Required! | Cloudflare</title></head><body>"
    "<h1>Sorry, you have been blocked</h1>"
    "<p>You are unable to access acme.example</p></body></html>"
)
CHECKING_BROWSER = "<html><body><p>Checking your browser before accessing acme.example.</p></body></html>"
HCAPTCHA = (
    "<html><head><title>Security check</title></head><body><p>Please prove you are not a bot.</p>"
    '<form><div class="h-captcha" data-sitekey="x"></div></form><script src="https://hcaptcha.com/1/api.js">'
    "</script></body></html>"
)
RECAPTCHA_WALL = (
    "<html><body><p>Our systems have detected unusual traffic from your computer network.</p>"
    '<div class="g-recaptcha"></div></body></html>'
)
BLOCKED = (
    "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
    "<p>Reference #18.1</p></body></html>"
)
PARKED_FOR_SALE = (
    "<html><head><title>acme.example</title></head><body><h1>This domain is for sale!</h1>"
    "<p>Over 1,000,000 domains. Make an offer today.</p></body></html>"
)
PARKED_SEDO = '<html><body><script src="https://img.sedoparking.com/js/park.js"></script></body></html>'
PARKED_GODADDY = "<html><body><p>This Web page is parked FREE, courtesy of GoDaddy.com.</p></body></html>"
PARKED_GERMAN = (
    "<html><body><h1>Diese Domain steht zum Verkauf</h1><p>Jetzt Angebot abgeben.</p></body></html>"
)
COOKIE_WALL = (
    "<html><body><div id='consent'><h2>We value your privacy</h2>"
    "<p>We use cookies to personalise content and "
    "ads. By clicking Accept all you consent to our use of cookies.</p><button>Accept all</button>"
    "<button>Settings</button></div></body></html>"
)
COOKIE_WALL_GERMAN = (
    "<html><body><div class='cmp'><p>Wir verwenden Cookies. Mit Klick auf Alle akzeptieren erteilen Sie Ihre "
    "Einwilligung.</p><button>Alle akzeptieren</button><button>Ablehnen</button></div></body></html>"
)
SOFT_404_EN = (
    "<html><head><title>Page not found | Acme</title></head><body><nav>Home About</nav><h1>Oops!</h1>"
    "<p>We could not find that page.</p><footer>Acme Inc. · 1,200 employees worldwide</footer></body></html>"
)
SOFT_404_DE = (
    "<html><head><title>Acme GmbH</title></head><body><h1>Seite nicht gefunden</h1>"
    "<p>Die angeforderte Seite existiert leider nicht.</p></body></html>"
)
SOFT_404_CODE = "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (CLOUDFLARE, "captcha"),
        (ATTENTION, "captcha"),
        (CHECKING_BROWSER, "captcha"),
        (HCAPTCHA, "captcha"),
        (RECAPTCHA_WALL, "captcha"),
        (BLOCKED, "blocked"),
        (PARKED_FOR_SALE, "parked"),
        (PARKED_SEDO, "parked"),
        (PARKED_GODADDY, "parked"),
        (PARKED_GERMAN, "parked"),
        (COOKIE_WALL, "cookie_wall"),
        (COOKIE_WALL_GERMAN, "cookie_wall"),
        (SOFT_404_EN, "soft_404"),
        (SOFT_404_DE, "soft_404"),
        (SOFT_404_CODE, "soft_404"),
    ],
)
def test_non_content_pages_are_classified(html: str, expected: PageKind) -> None:
    assert kind(html) == expected


ORDINARY = (
    "<html><head><title>About us | Acme</title></head><body><h1>About Acme</h1><p>"
    + "Acme builds machines for the food industry and ships them to customers in forty countries. " * 3
    + "</p><p>Over 1,200 employees work at Acme.</p><div class='cookie-banner'><p>We use cookies.</p>"
    "<button>Accept</button></div></body></html>"
)
CONTACT_FORM = (
    "<html><head><title>Contact | Acme</title></head><body><h1>Contact us</h1><address>Main Street 1, Leeds"
    '</address><form><input type="email" name="email"><textarea name="message"></textarea>'
    '<div class="g-recaptcha"></div></form><script src="https://www.google.com/recaptcha/api.js"></script>'
    "</body></html>"
)


@pytest.mark.parametrize("html", [ORDINARY, CONTACT_FORM, "<p>We have 404 employees.</p>"])
def test_ordinary_pages_with_cookie_banners_or_captcha_contact_forms_are_content(html: str) -> None:
    assert kind(html) == "ok"


@pytest.mark.parametrize("html", [SOFT_404_EN, PARKED_FOR_SALE, COOKIE_WALL, ATTENTION])
def test_the_runner_refuses_non_content_pages_and_mines_nothing(html: str) -> None:
    extraction = extract_page(page(html), now=NOW)
    assert not extraction.classification.minable
    assert extraction.findings == [] and extraction.rejected == []
    assert extraction.classification.reason
