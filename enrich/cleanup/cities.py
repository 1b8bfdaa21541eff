"""A small gazetteer of major business cities: which country (or countries) a city name belongs to.

Used twice by the cleanup: to tell that "München" and "Munich" are one city when comparing accounts,
and to flag a country/city mismatch ("Hamburg" with country FR). It lists the cities B2B CRMs in
Europe and North America hold most, in the spellings people type (local, English, without umlauts).
A city it does not list is never flagged, so it errs towards silence. Names shared by well-known
cities in several countries (London in GB and CA, Birmingham in GB and US …) list every country.
"""

from __future__ import annotations

from functools import cache

from enrich.cleanup.names import place_key

# country(-ies)|spellings (the first is the canonical key's source)
_CITIES = """
DE|Berlin
DE|Hamburg
DE|München|Munich|Muenchen|Munchen
DE|Köln|Cologne|Koeln|Koln
DE|Frankfurt am Main|Frankfurt|Frankfurt a.M.|Frankfurt/Main|Frankfurt a. M.
DE|Stuttgart
DE|Düsseldorf|Dusseldorf|Duesseldorf
DE|Leipzig
DE|Dortmund
DE|Essen
DE|Bremen
DE|Dresden
DE|Hannover|Hanover
DE|Nürnberg|Nuremberg|Nuernberg|Nurnberg
DE|Duisburg
DE|Bochum
DE|Wuppertal
DE|Bielefeld
DE|Bonn
DE|Münster|Muenster|Munster
DE|Karlsruhe
DE|Mannheim
DE|Augsburg
DE|Wiesbaden
DE|Aachen
DE|Kiel
DE|Freiburg im Breisgau|Freiburg|Freiburg i. Br.
DE|Regensburg
DE|Heidelberg
DE|Darmstadt
DE|Ulm
DE|Würzburg|Wuerzburg|Wurzburg
DE|Walldorf
DE|Ingolstadt
DE|Wolfsburg
DE|Potsdam
DE|Mainz
DE|Erlangen
AT|Wien|Vienna|Vienne
AT|Graz
AT|Linz
AT|Salzburg
AT|Innsbruck
AT|Klagenfurt
CH|Zürich|Zurich|Zuerich
CH|Genf|Geneva|Genève|Geneve|Ginevra
CH|Basel|Bâle|Basle
CH|Bern|Berne
CH|Lausanne
CH|Zug
CH|Luzern|Lucerne
CH|St. Gallen|St Gallen|Sankt Gallen
GB|Edinburgh
GB|Glasgow
GB|Leeds
GB|Liverpool
GB|Bristol
GB|Sheffield
GB|Newcastle upon Tyne|Newcastle
GB|Nottingham
GB|Leicester
GB|Southampton
GB|Oxford
GB|Reading
GB|Belfast
GB|Cardiff
GB,CA|London
GB,US|Birmingham
GB,US|Manchester
GB,US|Cambridge
IE|Dublin|Baile Átha Cliath
IE|Cork
FR|Lyon|Lyons
FR|Marseille|Marseilles
FR|Toulouse
FR|Nice
FR|Nantes
FR|Strasbourg|Straßburg|Strassburg
FR|Bordeaux
FR|Lille
FR|Montpellier
FR|Rennes
FR,US|Paris
NL|Amsterdam
NL|Rotterdam
NL|Den Haag|The Hague|'s-Gravenhage
NL|Utrecht
NL|Eindhoven
NL|Groningen
BE|Bruxelles|Brussels|Brussel|Brüssel
BE|Antwerpen|Antwerp|Anvers
BE|Gent|Ghent|Gand
BE|Liège|Liege|Lüttich
LU|Luxembourg|Luxemburg
DK|København|Copenhagen|Kopenhagen|Kobenhavn
DK|Aarhus|Århus
SE|Stockholm
SE|Göteborg|Gothenburg|Goeteborg|Goteborg
SE|Malmö|Malmo
NO|Oslo
NO|Bergen
FI|Helsinki|Helsingfors
PL|Warszawa|Warsaw|Warschau
PL|Kraków|Krakow|Cracow|Krakau
PL|Wrocław|Wroclaw|Breslau
PL|Poznań|Poznan|Posen
PL|Gdańsk|Gdansk|Danzig
CZ|Praha|Prague|Prag
CZ|Brno|Brünn
HU|Budapest
ES|Madrid
ES|Barcelona
ES|Valencia
ES|Sevilla|Seville
ES|Bilbao
PT|Lisboa|Lisbon|Lissabon
PT|Porto|Oporto
IT|Milano|Milan|Mailand
IT|Roma|Rome|Rom
IT|Torino|Turin
IT|Napoli|Naples|Neapel
IT|Bologna
IT|Firenze|Florence|Florenz
US|New York|New York City|NYC
US|Los Angeles
US|Chicago
US|Houston
US|Phoenix
US|Philadelphia
US|San Antonio
US|San Diego
US|Dallas
US|San Jose
US|Austin
US|San Francisco
US|Seattle
US|Denver
US|Washington|Washington D.C.|Washington DC
US|Boston
US|Atlanta
US|Miami
US|Minneapolis
US|Detroit
US|Pittsburgh
US|Raleigh
US|Charlotte
US|Nashville
US|Salt Lake City
US|Palo Alto
US|Mountain View
US|Menlo Park
US|Redmond
US|Cupertino
US,CA|Vancouver
CA|Toronto
CA|Montréal|Montreal
CA|Ottawa
CA|Calgary
CA|Edmonton
CA|Québec|Quebec City|Quebec
AU|Sydney
AU|Melbourne
JP|Tokyo|Tokio
CN|Beijing|Peking
CN|Shanghai
SG|Singapore|Singapur
IN|Bangalore|Bengaluru
IN|Mumbai|Bombay
AE|Dubai
IL|Tel Aviv|Tel Aviv-Yafo
"""


@cache
def _gazetteer() -> dict[str, tuple[str, frozenset[str]]]:
    """Folded spelling → (canonical key, countries)."""
    table: dict[str, tuple[str, frozenset[str]]] = {}
    for line in _CITIES.strip().splitlines():
        countries, *spellings = line.split("|")
        canonical = place_key(spellings[0])
        assert canonical is not None
        for spelling in spellings:
            key = place_key(spelling)
            if key is not None:
                table[key] = (canonical, frozenset(countries.split(",")))
    return table


def city_key(city: str | None) -> str | None:
    """The key two spellings of one city share (``"Munich"`` and ``"München"`` → ``"muenchen"``);
    for cities the gazetteer does not know, the folded name."""
    key = place_key(city)
    if key is None:
        return None
    known = _gazetteer().get(key)
    return known[0] if known is not None else key


def city_countries(city: str | None) -> frozenset[str]:
    """The ISO alpha-2 countries a listed city name belongs to; empty when the city is not listed."""
    key = place_key(city)
    known = _gazetteer().get(key) if key is not None else None
    return known[1] if known is not None else frozenset()
