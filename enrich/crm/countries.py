"""Country names and codes, in English, German or the country's own language → ISO 3166-1 alpha-2.

Built from pycountry's ISO 3166-1 data and its German translations, plus the everyday names CRM users
type that ISO does not list (``USA``, ``UK``, ``Great Britain``, ``Holland``, ``South Korea`` …).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import pycountry

# Everyday names ISO 3166 does not spell out, keyed by alpha-2; European CRMs also hold names in the
# country's own language (Nederland, Sverige, Polska …).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "US": ("America", "Amerika"),
    "GB": (
        "UK",
        "U.K.",
        "Great Britain",
        "Britain",
        "England",
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
    "IE": ("Éire", "Eire"),
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
    "KR": ("Korea", "Republic of Korea"),
    "CZ": ("Česko", "Česká republika"),
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


def _key(text: str) -> str:
    """Casefold, drop dots and accents, collapse spaces: ``"U.S.A."`` and ``"usa"`` meet."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    folded = re.sub(r"\s+", " ", folded.replace(".", "")).strip()
    return folded.removeprefix("the ")


@cache
def _names() -> dict[str, str]:
    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        spellings = [code, country.alpha_3, country.name]
        for attribute in ("official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                spellings += [value, german.gettext(value)]
        spellings.append(german.gettext(country.name))
        for spelling in spellings:
            names.setdefault(_key(spelling), code)
    for code, synonyms in SYNONYMS.items():
        for synonym in synonyms:
            names[_key(synonym)] = code
    return names


def country_code(text: str) -> str:
    """ISO 3166-1 alpha-2 for a name or code; raises ``ValueError`` naming the text when unknown."""
    code = _names().get(_key(text))
    if code is None:
        raise ValueError(f"unknown country: {text!r} (use a country name or an ISO 3166 code such as DE)")
    return code
