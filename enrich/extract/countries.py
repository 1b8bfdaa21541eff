"""Country names in English and German (and the usual short forms) to ISO 3166-1 alpha-2, via pycountry."""

from __future__ import annotations

import gettext
import os
from functools import lru_cache

import pycountry

_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "us": "US",
    "united states of america": "US",
    "vereinigte staaten von amerika": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "großbritannien": "GB",
    "grossbritannien": "GB",
    "england, uk": "GB",
    "brd": "DE",
    "suisse": "CH",
    "svizzera": "CH",
    "oesterreich": "AT",
    "holland": "NL",
    "republic of ireland": "IE",
    "south korea": "KR",
    "russia": "RU",
    "czech republic": "CZ",
}

# Only when a page writes them exactly so: "TX" is Texas, "tx" is nothing.
_REGION_COUNTRIES = ("US", "CA")


def _key(name: str) -> str:
    key = " ".join(name.casefold().split())
    return key[4:] if key.startswith("the ") else key


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    german = gettext.translation(
        "iso3166-1", os.path.join(pycountry.LOCALES_DIR), languages=["de"], fallback=True
    )
    for country in pycountry.countries:
        code: str = country.alpha_2
        for attribute in ("name", "official_name", "common_name"):
            english = getattr(country, attribute, None)
            if english:
                names.setdefault(_key(english), code)
                names.setdefault(_key(german.gettext(english)), code)
        names.setdefault(_key(country.alpha_3), code)
    names.update(_ALIASES)
    return names


@lru_cache(maxsize=1)
def _region_names() -> tuple[dict[str, str], dict[str, str]]:
    by_name: dict[str, str] = {}
    by_code: dict[str, str] = {}
    for country_code in _REGION_COUNTRIES:
        regions = pycountry.subdivisions.get(country_code=country_code)  # type: ignore[no-untyped-call]
        for region in regions:
            by_name[_key(region.name)] = country_code
            by_code[region.code.split("-", 1)[1]] = country_code
    return by_name, by_code


def country_code(name: str) -> str | None:
    """ISO alpha-2 for a country name, German or English ("Deutschland", "Switzerland", "USA")."""
    stripped = name.strip()
    if len(stripped) == 2 and stripped.isupper() and pycountry.countries.get(alpha_2=stripped):
        return stripped
    if len(stripped) == 3 and not stripped.isupper():
        return None  # "Uhr", "and": only upper-case three-letter codes count
    names = _country_names()
    return names.get(_key(stripped)) or names.get(_key(stripped.rstrip(".")))


def region_country(name: str) -> str | None:
    """The country of a US state or Canadian province, by name ("Texas") or exact code ("TX")."""
    by_name, by_code = _region_names()
    stripped = name.strip()
    if len(stripped) == 2:
        return by_code.get(stripped) if stripped.isupper() else None
    return by_name.get(_key(stripped))
