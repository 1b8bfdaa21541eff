"""Countries by name or code → ISO 3166-1 alpha-2, and the names a page may use for a country.

One vocabulary, built from pycountry's ISO 3166-1 data and its German translations, plus the everyday
names ISO does not list (``USA``, ``UK``, ``Holland``, ``South Korea``, names in the country's own
language such as ``Nederland`` or ``Sverige``). Three ways to read it, because the inputs differ:

- :func:`country_code` reads what a person typed (a CRM cell, a reviewer's edit): case, accents,
  dots and a leading "the" do not matter, and any ISO code (alpha-2, alpha-3, numeric) is accepted.
- :func:`country_in_text` reads a place name as a page writes it: codes count only in capitals
  ("DE", "AUT"), because "de", "in" or "and" are words in running text.
- :func:`country_names` lists the names that state a country in a quote the model gives as
  evidence: ISO names in English and German plus a few short forms and adjectives, and not the
  looser synonyms ("America" is also part of "South America", "Korea" of "North Korea").

:func:`region_country` maps a US state or Canadian province to its country.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import pycountry
from pycountry.db import Country

# Everyday names ISO 3166 does not spell out, keyed by alpha-2; European CRMs also hold names in the
# country's own language (Nederland, Sverige, Polska …).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "US": ("USA", "U.S.", "U.S.A.", "America", "Amerika", "United States of America"),
    "GB": (
        "UK",
        "U.K.",
        "Great Britain",
        "Britain",
        "England",
        "England, UK",
        "Scotland",
        "Wales",
        "Northern Ireland",
        "Großbritannien",
        "Grossbritannien",
        "Schottland",
    ),
    "DE": ("BRD",),
    "AT": ("Oesterreich",),
    "BE": ("Belgique", "België"),
    "DK": ("Danmark",),
    "SE": ("Sverige",),
    "NO": ("Norge",),
    "FI": ("Suomi",),
    "PL": ("Polska",),
    "ES": ("España", "Espana"),
    "IT": ("Italia",),
    "IE": ("Éire", "Eire", "Republic of Ireland"),
    "HU": ("Magyarország",),
    "GR": ("Hellas", "Ελλάδα"),
    "SK": ("Slovensko",),
    "SI": ("Slovenija",),
    "HR": ("Hrvatska",),
    "LU": ("Lëtzebuerg",),
    "EE": ("Eesti",),
    "LV": ("Latvija",),
    "LT": ("Lietuva",),
    "BR": ("Brasil",),
    "CH": ("Suisse", "Svizzera", "Svizra"),
    "NL": ("Holland", "Nederland"),
    "KR": ("Korea", "Republic of Korea", "South Korea"),
    "CZ": ("Česko", "Česká republika", "Czech Republic"),
    "RU": ("Russia", "Russland"),
    "TR": ("Turkey", "Tuerkei"),
    "AE": ("UAE", "U.A.E.", "VAE", "Emirates"),
    "MD": ("Moldawien",),
    "CI": ("Ivory Coast", "Elfenbeinküste"),
    "CV": ("Cape Verde",),
    "MK": ("Macedonia", "Mazedonien"),
    "VA": ("Vatican", "Vatikan"),
    "PS": ("Palestine", "Palästina"),
}

# Words a quote may use to state a country besides its ISO names: short forms and adjectives ("a
# German company", "ein deutsches Unternehmen"). Matched at a word start, so adjective stems
# ("deutsch") also cover their inflections ("deutsches").
EVIDENCE_WORDS: dict[str, tuple[str, ...]] = {
    "DE": ("german", "deutsch", "brd"),
    "AT": ("austrian", "österreichisch"),
    "CH": ("swiss", "schweizer", "schweizerisch"),
    "US": ("usa", "u.s.", "u.s.a.", "american", "amerikanisch", "vereinigten staaten"),
    "GB": (
        "uk",
        "u.k.",
        "britain",
        "great britain",
        "british",
        "england",
        "scotland",
        "wales",
        "großbritannien",
    ),
    "FR": ("french", "französisch"),
    "IT": ("italian", "italienisch"),
    "ES": ("spanish", "spanisch"),
    "NL": ("dutch", "holland", "niederländisch"),
    "BE": ("belgian", "belgisch"),
    "LU": ("luxembourgish", "luxemburgisch"),
    "DK": ("danish", "dänisch"),
    "SE": ("swedish", "schwedisch"),
    "NO": ("norwegian", "norwegisch"),
    "FI": ("finnish", "finnisch"),
    "PL": ("polish", "polnisch"),
    "CZ": ("czech", "tschechisch", "tschechien"),
    "IE": ("irish", "irisch"),
    "CN": ("chinese", "chinesisch"),
    "JP": ("japanese", "japanisch"),
    "IN": ("indian", "indisch"),
    "CA": ("canadian", "kanadisch"),
}

# States and provinces count only for these countries, where pages name them instead of the country
# ("Austin, TX"); elsewhere a region name is too often also a city's.
_REGION_COUNTRIES = ("US", "CA")


def _key(text: str) -> str:
    """Casefold, drop dots and accents, collapse spaces: ``"U.S.A."`` and ``"usa"`` meet."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    folded = re.sub(r"\s+", " ", folded.replace(".", "")).strip()
    return folded.removeprefix("the ")


@cache
def _german() -> gettext.NullTranslations:
    # fallback: a pycountry build without locales gives English names only
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)


def _iso_names(country: Country) -> list[str]:
    """Short, official and common name of a pycountry country, each in English and German."""
    german = _german()
    names = [country.name]
    for attribute in ("official_name", "common_name"):
        value = getattr(country, attribute, None)
        if value:
            names += [value, german.gettext(value)]
    names.append(german.gettext(names[0]))
    return names


@cache
def _codes() -> dict[str, str]:
    """Every ISO code (alpha-2, alpha-3, numeric), folded → alpha-2."""
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        for code in (country.alpha_2, country.alpha_3, country.numeric):
            codes[_key(code)] = country.alpha_2
    return codes


@cache
def _names() -> dict[str, str]:
    """Every name, alpha-3 code and synonym, folded → alpha-2 (alpha-2 and numeric codes not included)."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for spelling in (country.alpha_3, *_iso_names(country)):
            names.setdefault(_key(spelling), country.alpha_2)
    for code, synonyms in SYNONYMS.items():
        for synonym in synonyms:
            names[_key(synonym)] = code
    return names


def country_code(text: str) -> str | None:
    """ISO 3166-1 alpha-2 for a country name or code as a person types it, or None when unknown.

    English, German and everyday names ("Deutschland", "Switzerland", "U.S.A.", "Nederland"), in any
    case, with or without accents; alpha-2, alpha-3 and numeric codes ("de", "DEU", "276").
    """
    key = _key(text)
    return _codes().get(key) or _names().get(key)


def require_country_code(text: str) -> str:
    """:func:`country_code`, raising ``ValueError`` naming the text (fit to show a person) when unknown."""
    code = country_code(text)
    if code is None:
        raise ValueError(f"unknown country: {text!r} (use a country name or an ISO 3166 code such as DE)")
    return code


def country_in_text(text: str) -> str | None:
    """ISO alpha-2 for a country named in page text ("Deutschland", "Switzerland", "USA", "DE").

    A two-letter code counts only as a real alpha-2 code in capitals, a three-letter word only in
    capitals ("Uhr", "and" are words); numeric codes never count.
    """
    stripped = text.strip()
    if len(stripped) == 2 and stripped.isupper() and is_country_code(stripped):
        return stripped
    if len(stripped) == 3 and not stripped.isupper():
        return None
    return _names().get(_key(stripped))


def is_country_code(code: str) -> bool:
    """True for a real ISO 3166-1 alpha-2 code (upper case)."""
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


@cache
def country_names(code: str) -> tuple[str, ...]:
    """The names (English and German) and :data:`EVIDENCE_WORDS` that state country ``code`` in a quote.

    As written (not folded), longest first; empty for an unknown code.
    """
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ()
    names = set(_iso_names(country)) | set(EVIDENCE_WORDS.get(code, ()))
    return tuple(sorted(names, key=lambda name: (-len(name), name)))


def alpha_3(code: str) -> str | None:
    """The alpha-3 code of alpha-2 ``code`` ("DE" → "DEU"), or None for an unknown code."""
    country = pycountry.countries.get(alpha_2=code)
    return str(country.alpha_3) if country is not None else None


@cache
def _regions() -> tuple[dict[str, str], dict[str, str]]:
    by_name: dict[str, str] = {}
    by_code: dict[str, str] = {}
    for code in _REGION_COUNTRIES:
        for region in pycountry.subdivisions.get(country_code=code):  # type: ignore[no-untyped-call]
            by_name[_key(region.name)] = code
            by_code[region.code.split("-", 1)[1]] = code
    return by_name, by_code


def region_country(text: str) -> str | None:
    """The country of a US state or Canadian province, by name ("Texas") or exact code ("TX")."""
    by_name, by_code = _regions()
    stripped = text.strip()
    if len(stripped) == 2:
        return by_code.get(stripped) if stripped.isupper() else None
    return by_name.get(_key(stripped))
