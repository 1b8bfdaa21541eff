"""Country names in English and German for ISO 3166-1 alpha-2 codes (pycountry and its German locale).

Used to check that a quote supports a country answer: the quote must name the country (short,
official or common name in English or German, a few usual short forms and adjectives, or the
alpha-3 code written in capitals as its own word).
"""

from __future__ import annotations

import gettext
import re
from functools import cache

import pycountry

from enrich.llm.normalise import normalise, normalised

# Usual ways of naming a country that are not in ISO 3166: short forms and adjectives ("a German
# company", "ein deutsches Unternehmen"). Adjective stems are matched as word prefixes.
_EXTRA_NAMES: dict[str, tuple[str, ...]] = {
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


@cache
def _german() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])
    except OSError:  # a pycountry build without locales: English names only
        return gettext.NullTranslations()


def is_country_code(code: str) -> bool:
    """True for a real ISO 3166-1 alpha-2 code (upper case)."""
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


@cache
def country_names(code: str) -> tuple[str, ...]:
    """Normalised names (English and German) by which a page may name country ``code``."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ()
    english = {country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)}
    names = {name for name in english if name}
    names |= {_german().gettext(name) for name in list(names)}
    names |= set(_EXTRA_NAMES.get(code, ()))
    return tuple(sorted({normalised(name) for name in names}, key=len, reverse=True))


def find_country(quote: str, code: str) -> str | None:
    """The text in ``quote`` that names country ``code``, or None."""
    folded = normalise(quote)
    for name in country_names(code):
        # names match at a word start; adjective stems ("deutsch") may continue ("deutsches")
        match = re.search(r"(?<!\w)" + re.escape(name), folded.text)
        if match:
            start, end = folded.original_span(match.start(), match.end())
            return quote[start:end]
    # alpha-2 codes are not accepted on their own: "IN", "DE", "IT" are everyday words in capitals
    country = pycountry.countries.get(alpha_2=code)
    alpha_3 = str(country.alpha_3) if country is not None else ""
    if alpha_3 and re.search(r"(?<![\w-])" + alpha_3 + r"(?![\w-])", quote):
        return alpha_3
    return None
