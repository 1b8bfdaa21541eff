"""Place names in running text: what looks like a city, and whether a name is a country or a US state.

Shared by the page-text patterns ("headquartered in Leeds, UK") and the imprint reader ("80331 München").
"""

from __future__ import annotations

from dataclasses import dataclass

from enrich.countries import country_in_text, region_country

# A capitalised word that ends in a letter (so "Leeds." stops before the dot), or St./Ft./Mt.
CAPITALISED_WORD = r"(?:(?:St|Ft|Mt)\.|[A-ZÄÖÜÉ][\wÄÖÜäöüßéèáíóúç'’-]*[\wäöüßéèáíóúç])"
# Up to four capitalised words, allowing the little joiners of real city names.
CITY_PATTERN = (
    rf"{CAPITALISED_WORD}"
    rf"(?:[ \u00a0-](?:(?:am|an der|an|im|upon|on|of|de|del|la|le|sur|ob der|bei)[ \u00a0])?"
    rf"{CAPITALISED_WORD}){{0,3}}"
)

# Regions that are neither a city nor a country: never reported as either.
_NOT_PLACES = frozenset(
    name.casefold()
    for name in (
        "Europe",
        "Europa",
        "Asia",
        "Asien",
        "Africa",
        "Afrika",
        "America",
        "Amerika",
        "North America",
        "Nordamerika",
        "South America",
        "Südamerika",
        "Latin America",
        "Lateinamerika",
        "EMEA",
        "APAC",
        "DACH",
        "Middle East",
        "Oceania",
        "Silicon Valley",
        "Bay Area",
        "The",
        "Our",
        "Unserer",
    )
)


@dataclass(frozen=True)
class Place:
    """What a place phrase says: a city and/or the ISO alpha-2 country it names or implies."""

    city: str | None
    country: str | None
    country_text: str | None  # the words that named the country ("Texas", "USA")


def resolve_place(place: str, qualifiers: list[str]) -> Place | None:
    """Read "Houston" + ["Texas"] or "Dublin" + ["Ireland"]; None when it names no real place."""
    place = " ".join(place.split())
    if place.casefold() in _NOT_PLACES:
        return None
    named = _country_of([" ".join(qualifier.split()) for qualifier in qualifiers])
    country = country_in_text(place) or (None if named else region_country(place))
    if country is not None:  # "based in Germany", "based in Texas"; but "New York, New York" is a city
        return Place(city=None, country=country, country_text=place)
    if named is not None:
        return Place(city=place, country=named[0], country_text=named[1])
    return Place(city=place, country=None, country_text=None)


def _country_of(qualifiers: list[str]) -> tuple[str, str] | None:
    """The country the words after a city name: unambiguous country names first, then states and
    provinces ("Atlanta, Georgia" is in the US; "(CA, USA)" is California, not Canada), then codes."""
    for qualifier in qualifiers:
        code = country_in_text(qualifier) if len(qualifier) > 3 else None
        if code is not None and region_country(qualifier) is None:
            return code, qualifier
    for lookup in (region_country, country_in_text):
        for qualifier in qualifiers:
            code = lookup(qualifier)
            if code is not None:
                return code, qualifier
    return None
