"""Word lists the sample generator draws from: places, company name parts, industries, people, titles.

All names are invented combinations; phone numbers use ranges reserved for fiction where a country has
them (UK 01632/020 7946 0xxx-style ranges, US 555-01xx).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    country: str  # ISO 3166-1 alpha-2
    city: str  # as the locals write it ("München")
    city_english: str  # as an English-speaking CRM user might ("Munich")
    postcode: str
    region: str  # US/CA state or province, empty elsewhere
    register_court: str  # commercial register authority, empty where none is printed
    phone_area: str


def _table(text: str) -> list[list[str]]:
    return [line.split("|") for line in text.strip().splitlines()]


# country|city|english|postcode|region|register court|phone area
PLACES: tuple[Place, ...] = tuple(
    Place(*row)
    for row in _table(
        """
DE|München|Munich|80335||Amtsgericht München|89
DE|Berlin|Berlin|10117||Amtsgericht Charlottenburg|30
DE|Hamburg|Hamburg|20095||Amtsgericht Hamburg|40
DE|Köln|Cologne|50667||Amtsgericht Köln|221
DE|Frankfurt am Main|Frankfurt|60311||Amtsgericht Frankfurt am Main|69
DE|Stuttgart|Stuttgart|70173||Amtsgericht Stuttgart|711
DE|Düsseldorf|Dusseldorf|40213||Amtsgericht Düsseldorf|211
DE|Leipzig|Leipzig|04109||Amtsgericht Leipzig|341
DE|Nürnberg|Nuremberg|90402||Amtsgericht Nürnberg|911
DE|Karlsruhe|Karlsruhe|76133||Amtsgericht Mannheim|721
DE|Dresden|Dresden|01067||Amtsgericht Dresden|351
DE|Hannover|Hanover|30159||Amtsgericht Hannover|511
DE|Bremen|Bremen|28195||Amtsgericht Bremen|421
DE|Münster|Muenster|48143||Amtsgericht Münster|251
DE|Freiburg im Breisgau|Freiburg|79098||Amtsgericht Freiburg i. Br.|761
DE|Regensburg|Regensburg|93047||Amtsgericht Regensburg|941
AT|Wien|Vienna|1010||Handelsgericht Wien|1
AT|Graz|Graz|8010||Landesgericht für ZRS Graz|316
AT|Linz|Linz|4020||Landesgericht Linz|732
AT|Salzburg|Salzburg|5020||Landesgericht Salzburg|662
AT|Innsbruck|Innsbruck|6020||Landesgericht Innsbruck|512
CH|Zürich|Zurich|8001||Handelsregisteramt des Kantons Zürich|44
CH|Basel|Basel|4051||Handelsregisteramt Basel-Stadt|61
CH|Bern|Berne|3011||Handelsregisteramt des Kantons Bern|31
CH|Zug|Zug|6300||Handelsregisteramt des Kantons Zug|41
CH|Luzern|Lucerne|6003||Handelsregisteramt des Kantons Luzern|41
GB|London|London|EC2A 4NE|||20 7946
GB|Manchester|Manchester|M1 1AE|||161 496
GB|Leeds|Leeds|LS1 4DY|||113 496
GB|Bristol|Bristol|BS1 4DJ|||117 496
GB|Birmingham|Birmingham|B2 4QA|||121 496
GB|Edinburgh|Edinburgh|EH2 2ER|||131 496
GB|Sheffield|Sheffield|S1 2HE|||114 496
GB|Reading|Reading|RG1 1AF|||118 496
US|New York|New York|10001|NY||212
US|San Francisco|San Francisco|94105|CA||415
US|Austin|Austin|78701|TX||512
US|Boston|Boston|02110|MA||617
US|Chicago|Chicago|60601|IL||312
US|Seattle|Seattle|98101|WA||206
US|Denver|Denver|80202|CO||303
US|Atlanta|Atlanta|30303|GA||404
US|Raleigh|Raleigh|27601|NC||919
US|Pittsburgh|Pittsburgh|15222|PA||412
CA|Toronto|Toronto|M5H 2N2|ON||416
CA|Vancouver|Vancouver|V6B 1A1|BC||604
CA|Montréal|Montreal|H2Y 1C6|QC||514
CA|Ottawa|Ottawa|K1P 5J9|ON||613
FR|Paris|Paris|75002||RCS Paris|1
FR|Lyon|Lyon|69002||RCS Lyon|4
FR|Toulouse|Toulouse|31000||RCS Toulouse|5
FR|Nantes|Nantes|44000||RCS Nantes|2
NL|Amsterdam|Amsterdam|1012 AB||KvK|20
NL|Rotterdam|Rotterdam|3011 AA||KvK|10
NL|Utrecht|Utrecht|3511 AA||KvK|30
NL|Eindhoven|Eindhoven|5611 AA||KvK|40
SE|Stockholm|Stockholm|111 22|||8
SE|Göteborg|Gothenburg|411 03|||31
IE|Dublin|Dublin|D02 X285|||1
ES|Madrid|Madrid|28013|||91
ES|Barcelona|Barcelona|08002|||93
IT|Milano|Milan|20121|||02
PL|Warszawa|Warsaw|00-001|||22
DK|København|Copenhagen|1050|||33
BE|Bruxelles|Brussels|1000|||2
"""
    )
)

# country: (weight, language, ways a CRM user wrote the country, with weights)
COUNTRIES: dict[str, tuple[float, str, tuple[tuple[str, int], ...]]] = {
    "DE": (30, "de", (("Germany", 45), ("Deutschland", 25), ("DE", 20), ("germany", 5), ("Germany ", 5))),
    "US": (22, "en", (("United States", 40), ("USA", 30), ("US", 20), ("United States of America", 10))),
    "GB": (14, "en", (("United Kingdom", 40), ("UK", 35), ("GB", 10), ("England", 10), ("Great Britain", 5))),
    "AT": (6, "de", (("Austria", 50), ("Österreich", 30), ("AT", 20))),
    "CH": (6, "de", (("Switzerland", 45), ("Schweiz", 30), ("CH", 20), ("Suisse", 5))),
    "FR": (5, "fr", (("France", 85), ("FR", 15))),
    "NL": (5, "nl", (("Netherlands", 50), ("The Netherlands", 20), ("Nederland", 15), ("NL", 15))),
    "CA": (4, "en", (("Canada", 80), ("CA", 20))),
    "SE": (2, "sv", (("Sweden", 70), ("Sverige", 30))),
    "IE": (2, "en", (("Ireland", 80), ("IE", 20))),
    "ES": (1.5, "es", (("Spain", 60), ("España", 40))),
    "IT": (1.5, "it", (("Italy", 60), ("Italia", 40))),
    "PL": (1, "pl", (("Poland", 60), ("Polska", 40))),
    "DK": (1, "sv", (("Denmark", 70), ("Danmark", 30))),
    "BE": (1, "fr", (("Belgium", 60), ("Belgique", 20), ("BE", 20))),
}

# legal forms per country, with weights
LEGAL_FORMS: dict[str, tuple[tuple[str, int], ...]] = {
    "DE": (
        ("GmbH", 60),
        ("AG", 12),
        ("GmbH & Co. KG", 15),
        ("SE", 3),
        ("UG (haftungsbeschränkt)", 5),
        ("e.K.", 5),
    ),
    "AT": (("GmbH", 70), ("AG", 15), ("GesmbH", 10), ("KG", 5)),
    "CH": (("AG", 60), ("GmbH", 35), ("SA", 5)),
    "GB": (("Ltd", 65), ("Limited", 20), ("plc", 5), ("LLP", 10)),
    "US": ((", Inc.", 40), ("Inc.", 15), ("LLC", 30), ("Corp.", 15)),
    "CA": (("Inc.", 60), ("Ltd.", 40)),
    "FR": (("SAS", 60), ("SA", 20), ("SARL", 20)),
    "NL": (("B.V.", 90), ("N.V.", 10)),
    "SE": (("AB", 100),),
    "IE": (("Ltd", 80), ("DAC", 20)),
    "ES": (("S.L.", 70), ("S.A.", 30)),
    "IT": (("S.r.l.", 70), ("S.p.A.", 30)),
    "PL": (("Sp. z o.o.", 100),),
    "DK": (("ApS", 70), ("A/S", 30)),
    "BE": (("SRL", 50), ("NV", 50)),
}

COUNTRY_TLDS: dict[str, str] = {
    "DE": "de", "AT": "at", "CH": "ch", "GB": "co.uk", "US": "com", "CA": "ca", "FR": "fr",
    "NL": "nl", "SE": "se", "IE": "ie", "ES": "es", "IT": "it", "PL": "pl", "DK": "dk", "BE": "be",
}  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    """``"Anna, Lena, de Jong"`` → ``("Anna", "Lena", "de Jong")``: lists that wrap freely."""
    return tuple(word.strip() for word in text.split(",") if word.strip())


def _weighted(text: str) -> tuple[tuple[str, int], ...]:
    """``"Software:50; SaaS:10"`` → ``(("Software", 50), ("SaaS", 10))``."""
    pairs = (item.rsplit(":", 1) for item in text.split(";") if item.strip())
    return tuple((label.strip(), int(weight)) for label, weight in pairs)


@dataclass(frozen=True)
class Industry:
    name: str  # canonical
    weight: float
    target: float  # how well it fits the vendor's ideal customer profile, 0..1
    revenue_per_employee: int
    founded: tuple[int, int]
    crm_labels: tuple[tuple[str, int], ...]  # how CRM users spelled it, with weights
    words_de: tuple[str, ...]  # name parts for German company names
    words_en: tuple[str, ...]
    blurb_de: str  # completes "… ist ein …" on a German site
    blurb_en: str  # completes "… is a …" on an English site


INDUSTRIES: tuple[Industry, ...] = (
    Industry("Software", 20, 1.0, 180_000, (1985, 2021),
             _weighted("Software:50; Computer Software:20; SaaS:10; "
                       "Software Development:10; Softwareentwicklung:5; software:5"),
             _words("Software, Systeme, Datentechnik, Digital, Informatik"),
             _words("Software, Analytics, Cloud, Labs, Data"),
             "Softwarehaus für Planungs- und Analysesoftware",
             "software company building planning and analytics tools"),
    Industry("IT Services", 12, 0.9, 120_000, (1980, 2020),
             _weighted("IT Services:45; Information Technology and Services:30; "
                       "IT-Dienstleistungen:15; IT Consulting:10"),
             _words("IT-Service, Systemhaus, IT-Consulting, Netzwerke"),
             _words("IT Solutions, Consulting, Technology Partners, Networks"),
             "IT-Dienstleister für den Mittelstand",
             "IT services firm running infrastructure for mid-sized businesses"),
    Industry("Manufacturing", 16, 0.7, 230_000, (1880, 2010),
             _weighted("Manufacturing:40; Maschinenbau:25; Industrial Machinery:15; "
                       "Industrial Automation:10; Mechanical or Industrial Engineering:10"),
             _words("Maschinenbau, Präzisionstechnik, Antriebstechnik, Fertigungstechnik, Anlagenbau"),
             _words("Manufacturing, Precision Engineering, Industries, Robotics, Components"),
             "Maschinenbauunternehmen für Sondermaschinen und Antriebstechnik",
             "manufacturer of precision components and automation systems"),
    Industry("Financial Services", 9, 0.7, 300_000, (1900, 2021),
             _weighted("Financial Services:50; Banking:15; "
                       "Finanzdienstleistungen:15; Insurance:10; FinTech:10"),
             _words("Finanz, Vermögensverwaltung, Leasing, Versicherungsmakler"),
             _words("Capital, Financial, Payments, Insurance Brokers"),
             "Finanzdienstleister für Leasing und Unternehmensfinanzierung",
             "financial services firm offering payments and lending to businesses"),
    Industry("Healthcare", 8, 0.4, 150_000, (1950, 2020),
             _weighted("Healthcare:40; Hospital & Health Care:25; Medical Devices:20; Gesundheitswesen:15"),
             _words("Medizintechnik, Labordiagnostik, Pflegedienste, Klinikservice"),
             _words("Health, Medical, Care, Diagnostics"),
             "Medizintechnikunternehmen für Labordiagnostik",
             "healthcare company providing diagnostics services"),
    Industry("Retail", 7, 0.3, 260_000, (1920, 2020),
             _weighted("Retail:55; E-Commerce:20; Einzelhandel:15; Consumer Goods:10"),
             _words("Handel, Handelshaus, Versand, Moden"),
             _words("Retail, Stores, Outfitters, Goods"),
             "Handelsunternehmen mit Filialen und Onlineshop",
             "retailer with stores and an online shop"),
    Industry("Logistics", 7, 0.5, 200_000, (1920, 2018),
             _weighted("Logistics:45; Logistics and Supply Chain:25; "
                       "Transportation/Trucking/Railroad:15; Logistik:15"),
             _words("Logistik, Spedition, Transporte, Lagerlogistik"),
             _words("Logistics, Freight, Transport, Shipping"),
             "Logistikdienstleister für Kontraktlogistik und Spedition",
             "logistics provider for freight forwarding and warehousing"),
    Industry("Education", 4, 0.2, 80_000, (1970, 2021),
             _weighted("Education:50; E-Learning:25; Higher Education:15; Bildung:10"),
             _words("Akademie, Bildungswerk, Lernwelt"),
             _words("Learning, Academy, Education"),
             "Bildungsanbieter für berufliche Weiterbildung",
             "education provider for professional training"),
    Industry("Telecommunications", 3, 0.6, 350_000, (1985, 2015),
             _weighted("Telecommunications:60; Telekommunikation:25; Telecom:15"),
             _words("Telekom, Netz, Kommunikation"),
             _words("Telecom, Networks, Communications"),
             "Telekommunikationsanbieter für Glasfaser und Geschäftskunden",
             "telecommunications provider for fibre and business connectivity"),
    Industry("Energy", 4, 0.5, 500_000, (1990, 2021),
             _weighted("Energy:45; Renewables & Environment:25; Utilities:15; Energie:15"),
             _words("Energie, Solar, Windkraft, Energietechnik"),
             _words("Energy, Solar, Power, Renewables"),
             "Energieunternehmen für Solar- und Windprojekte",
             "energy company developing solar and wind projects"),
    Industry("Automotive", 4, 0.5, 280_000, (1900, 2015),
             _weighted("Automotive:80; Automobilzulieferer:20"),
             _words("Fahrzeugtechnik, Automotive, Autoteile"),
             _words("Automotive, Motors, Auto Parts"),
             "Automobilzulieferer für Fahrzeugelektronik",
             "automotive supplier of vehicle electronics"),
    Industry("Construction", 3, 0.2, 190_000, (1900, 2015),
             _weighted("Construction:60; Bauwesen:25; Building Materials:15"),
             _words("Bau, Bauunternehmung, Hochbau"),
             _words("Construction, Builders, Building Group"),
             "Bauunternehmen für Gewerbe- und Wohnungsbau",
             "construction company for commercial buildings"),
    Industry("Marketing & Advertising", 3, 0.6, 110_000, (1990, 2021),
             _weighted("Marketing & Advertising:50; Marketing and Advertising:30; Werbeagentur:20"),
             _words("Werbeagentur, Kommunikation, Media"),
             _words("Media, Creative, Marketing"),
             "Kommunikationsdienstleister für Markenführung und Performance-Marketing",
             "agency for brand communication and performance marketing"),
)  # fmt: skip

NAME_STEMS_DE = _words(
    "Alpen, Nord, Rhein, Isar, Main, Elb, Spree, Weser, Hansa, Donau, Neckar, Mosel, Harz, Allgäu, Süd, Grün,"
    "Stern, Falken, Adler, Linden, Eichen, Quell, Fels, Blau, Mühlen, Brücken, Höhen, Wald, Tal, Berg"
)
NAME_TAILS_DE = _words("tec, werk, soft, logic, net, plan, tronic, sys, data, con")
NAME_STEMS_EN = _words(
    "Northwind, Bluefin, Redwood, Harbor, Summit, Brightline, Ironbridge, Silverlake, Crescent, Evergreen,"
    "Granite, Lakeshore, Beacon, Cobalt, Pinecrest, Riverside, Keystone, Clearwater, Highland, Oakridge,"
    "Meridian, Lighthouse, Copperleaf, Westbrook, Kestrel, Larkspur, Thistle, Ashford, Foxglove, Stonegate,"
    "Lumière, Horizon, Azur, Étoile, Polaris, Vireo, Nordic, Zephyr"
)

# language: (female first names, male first names)
FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "de": (
        _words(
            "Anna, Lena, Julia, Katharina, Sabine, Petra, Claudia, Stefanie, Nicole, Sandra, Jana, Laura,"
            "Sophie, Miriam, Birgit, Ute, Özlem, Hanna, Franziska, Carina"
        ),
        _words(
            "Jürgen, Thomas, Michael, Andreas, Stefan, Markus, Christian, Tobias, Florian, Matthias,"
            "Sebastian, Jörg, Björn, Sören, Uwe, Klaus, Dirk, Lukas, Jonas, Mehmet"
        ),
    ),
    "en": (
        _words(
            "Emma, Olivia, Sophie, Charlotte, Amelia, Sarah, Emily, Jessica, Rachel, Hannah, Jennifer,"
            "Ashley, Megan, Priya, Aisha, Chloe, Grace, Lauren"
        ),
        _words(
            "James, Oliver, Harry, Jack, George, Thomas, Daniel, Michael, David, Christopher, Matthew,"
            "Andrew, Ryan, Raj, Wei, Mohammed, Liam, Noah, Ethan"
        ),
    ),
    "fr": (
        _words("Camille, Léa, Manon, Chloé, Julie, Élodie, Mathilde, Inès, Claire"),
        _words("Thomas, Nicolas, Julien, Antoine, Maxime, Pierre, Hugo, Louis, Clément"),
    ),
    "nl": (
        _words("Sanne, Lotte, Eva, Fleur, Anouk, Femke, Iris"),
        _words("Daan, Sem, Lucas, Bram, Thijs, Ruben, Joost"),
    ),
    "sv": (
        _words("Karin, Maria, Sofia, Emma, Ingrid, Freja"),
        _words("Erik, Lars, Anders, Johan, Nils, Mads"),
    ),
    "es": (_words("Lucía, María, Sofía, Elena, Carmen"), _words("Carlos, Javier, Pablo, Alejandro, Diego")),
    "it": (
        _words("Giulia, Francesca, Chiara, Sara, Elisa"),
        _words("Marco, Luca, Alessandro, Matteo, Davide"),
    ),
    "pl": (_words("Anna, Katarzyna, Agnieszka, Magdalena"), _words("Piotr, Tomasz, Michał, Paweł")),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "de": _words(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer, Koch,"
        "Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Braun, Krüger, Hartmann, Lange, Werner,"
        "Krause, Lehmann, Köhler, Weiß, Groß, Böhm, Günther, Förster, Jäger, Vogel, Huber, Gruber,"
        "Brunner, Steiner, Keller, Yılmaz"
    ),
    "en": _words(
        "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, Thompson, Evans,"
        "Walker, White, Roberts, Green, Hall, Clarke, Miller, Davis, Garcia, Martinez, Anderson, Moore, Lee,"
        "Patel, Khan, Chen, Nguyen, O'Brien, Murphy, Kelly, MacDonald, Campbell"
    ),
    "fr": _words(
        "Martin, Bernard, Dubois, Robert, Richard, Petit, Durand, Leroy, Moreau, Lefèvre, Garnier, Faure"
    ),
    "nl": _words(
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Visser, Smit, Meijer, de Boer, Mulder"
    ),
    "sv": _words("Andersson, Johansson, Karlsson, Nilsson, Eriksson, Hansen, Nielsen, Jensen"),
    "es": _words("García, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Ruiz"),
    "it": _words("Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci"),
    "pl": _words("Nowak, Kowalski, Wiśniewski, Wójcik, Lewandowski, Zieliński"),
}


@dataclass(frozen=True)
class Role:
    title: str  # as the contact's title field shows it
    seniority: str  # c_level | vp | head | manager | individual | student
    department: str  # as a CRM user typed it; empty when typically left blank


# title|seniority|department; German titles carry both forms as "male/female".
ROLES_EN: tuple[Role, ...] = tuple(
    Role(*row)
    for row in _table(
        """
CEO|c_level|Management
Founder & CEO|c_level|
Managing Director|c_level|Management
CTO|c_level|Engineering
CFO|c_level|Finance
Chief Revenue Officer|c_level|Sales
VP Sales|vp|Sales
VP Marketing|vp|Marketing
VP Engineering|vp|Engineering
VP Operations|vp|Operations
Head of Marketing|head|Marketing
Head of Sales|head|Sales
Head of IT|head|IT
Head of Data|head|IT
Head of Demand Generation|head|Marketing
Head of Revenue Operations|head|Sales
IT Director|head|IT
Sales Director|head|Sales
Marketing Manager|manager|Marketing
Sales Manager|manager|Sales
IT Manager|manager|IT
Product Manager|manager|Product
Account Manager|manager|Sales
Procurement Manager|manager|Procurement
Operations Manager|manager|Operations
CRM Manager|manager|Marketing
Marketing Operations Manager|manager|Marketing
Software Engineer|individual|Engineering
Data Analyst|individual|IT
Sales Representative|individual|Sales
Business Development Representative|individual|Sales
Marketing Specialist|individual|Marketing
System Administrator|individual|IT
Office Manager|individual|Administration
Intern|student|
Marketing Intern|student|Marketing
Working Student|student|
"""
    )
)
ROLES_DE: tuple[Role, ...] = tuple(
    Role(*row)
    for row in _table(
        """
Geschäftsführer/Geschäftsführerin|c_level|Geschäftsführung
Inhaber/Inhaberin|c_level|
Vorstand/Vorständin|c_level|Vorstand
Leiter Vertrieb/Leiterin Vertrieb|head|Vertrieb
Leiter Marketing/Leiterin Marketing|head|Marketing
IT-Leiter/IT-Leiterin|head|IT
Bereichsleiter Einkauf/Bereichsleiterin Einkauf|head|Einkauf
Vertriebsleiter/Vertriebsleiterin|head|Vertrieb
Teamleiter Marketing/Teamleiterin Marketing|manager|Marketing
Marketingmanager/Marketingmanagerin|manager|Marketing
Key Account Manager/Key Account Managerin|manager|Vertrieb
Einkäufer/Einkäuferin|individual|Einkauf
Softwareentwickler/Softwareentwicklerin|individual|Entwicklung
Sachbearbeiter Vertrieb/Sachbearbeiterin Vertrieb|individual|Vertrieb
Systemadministrator/Systemadministratorin|individual|IT
Werkstudent/Werkstudentin|student|Marketing
Praktikant/Praktikantin|student|
"""
    )
)

FREE_MAIL_DOMAINS = ("gmail.com", "gmx.de", "web.de", "outlook.com", "yahoo.com", "t-online.de")

# Street names for site addresses and imprints.
STREETS: dict[str, tuple[str, ...]] = {
    "de": _words(
        "Leopoldstraße, Hauptstraße, Bahnhofstraße, Industriestraße, Am Hafen, Gewerbepark Süd,"
        "Schillerstraße, Weißenburger Straße, Friedrichstraße, Große Bleichen, Mühlenweg"
    ),
    "en": _words(
        "High Street, Park Row, Wellington Street, King Street, Market Street, Congress Avenue, Pine Street,"
        "Commerce Drive, Harbour Road"
    ),
}
