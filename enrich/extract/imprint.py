"""Legal notices: the German/Austrian/Swiss Impressum and the English imprint or legal notice.

Register and VAT numbers are distinctive enough to read on any page (they often sit in footers). The
legal name, the seat's address and the managing directors are read only on a page that is an imprint
(by its path or its heading), where the first legal name and the first address are the legal seat.

Fields: ``legal_name``, ``street_address``, ``postal_code``, ``city``, ``country``,
``commercial_register`` ("HRB 123456, Amtsgericht München", "FN 123456a, Handelsgericht Wien",
"CHE-123.456.789"), ``vat_id`` ("DE123456789", "ATU12345678", "CHE-123.456.789 MWST"),
``managing_director`` (one finding per person).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from enrich.countries import country_in_text, region_country
from enrich.extract.base import Document, Finding, FindingMaker, Statement
from enrich.extract.places import CITY_PATTERN

_SP = r"[^\S\n]+"
_OSP = r"[^\S\n]*"
_IMPRINT_PATH = re.compile(
    r"impressum|imprint|legal[-_]?notice|site[-_]?notice|anbieterkennzeichnung|mentions-legales", re.I
)
# A heading line of its own (not the <title> "Legal notice | Acme Inc."), or the statutory phrase.
_IMPRINT_HEADING = re.compile(
    r"^[^\S\n]*(?:(?:Impressum|Imprint|Legal [Nn]otice|Site [Nn]otice)[^\S\n]*:?[^\S\n]*$|"
    r"Angaben gem(?:ä|ae)(?:ß|ss) § ?5)",
    re.M,
)
_LEGAL_FORM = (
    r"(?:GmbH & Co\.? KGaA|GmbH & Co\.? KG|AG & Co\.? KGaA|AG & Co\.? KG|SE & Co\.? KGaA|SE & Co\.? KG|"
    r"UG \(haftungsbeschränkt\)|gGmbH|GmbH|GesmbH|Ges\.m\.b\.H\.|AG|SE|KGaA|KG|OHG|e\.K\.|e\.V\.|eG|"
    r"Ltd\.?|Limited|Inc\.?|Incorporated|Corp\.?|Corporation|Company|LLC|L\.L\.C\.|LLP|L\.P\.|plc|PLC|"
    r"S\.A\.|S\.à r\.l\.|SARL|Sàrl|SAS|B\.V\.|N\.V\.|A/S|S\.p\.A\.|S\.r\.l\.|Pty Ltd)"
)
_LEGAL_NAME_LINE = re.compile(
    rf"^{_OSP}(?P<name>[A-ZÄÖÜ0-9][^\n:|·]{{0,80}}?{_SP}{_LEGAL_FORM})(?=[^\S\n]*(?:$|,))", re.M
)
_GERMAN_REGISTER = re.compile(
    rf"\b(?P<kind>HRB|HRA|GnR|PR|VR){_OSP}(?:Nr\.?{_OSP})?:?{_OSP}(?P<number>\d{{1,6}}(?:{_SP}[A-Z]{{1,2}}\b)?)"
)
_GERMAN_COURT = re.compile(
    rf"\b(?:Amtsgericht|Registergericht:?(?:{_SP}Amtsgericht)?){_SP}(?P<court>{CITY_PATTERN})"
)
_AUSTRIAN_REGISTER = re.compile(rf"\bFN{_OSP}(?P<number>\d{{1,6}}{_OSP}[a-z])\b")
_AUSTRIAN_COURT = re.compile(
    rf"\b(?:Firmenbuchgericht:?|Handelsgericht|Landesgericht){_SP}(?:(?:Handelsgericht|Landesgericht){_SP})?"
    rf"(?P<court>{CITY_PATTERN})"
)
_SWISS_UID = re.compile(
    r"\bCHE[-‐ ]?(?P<a>\d{3})\.(?P<b>\d{3})\.(?P<c>\d{3})(?P<vat>[^\S\n]*(?:MWST|TVA|IVA|VAT))?"
)
_VAT = re.compile(
    r"\b(?:USt\.?[- ]?Id(?:Nr)?\.?|USt\.?-?ID|Umsatzsteuer-?Identifikationsnummer|UID(?:-Nr\.?)?|"
    r"VAT(?: ID| No\.?| number| Reg(?:istration)?\.? No\.?)?|MwSt\.?-?Nr\.?)[^\n]{0,50}?"
    r"(?P<vat>DE[^\S\n]?\d{3}[^\S\n]?\d{3}[^\S\n]?\d{3}|ATU[^\S\n]?\d{8}|"
    r"GB[^\S\n]?\d{3}[^\S\n]?\d{4}[^\S\n]?\d{2}(?:\d{3})?|IE\d{7}[A-Z]{1,2}|NL\d{9}B\d{2}|"
    r"[A-Z]{2}(?=[0-9A-Z]*\d{2})[0-9A-Z]{8,12})\b"
)
_DIRECTOR_LABEL = re.compile(
    r"(?:Geschäftsführer(?:in|innen)?|Geschäftsführung|"
    r"Vertretungsberechtigte[r]?(?: Geschäftsführer(?:in)?)?|"
    r"Vertreten durch(?: (?:den|die) (?:Geschäftsführer(?:in)?|Vorstand|Geschäftsführung))?|Vorstand|"
    r"Managing Directors?|Represented by|Directors?|CEO)"
    rf"{_OSP}:?{_OSP}\n?{_OSP}(?P<names>[^\n]+)"
)
_PERSON = re.compile(
    r"(?:(?:Dr|Prof|Mag|Dipl\.-Ing)\.[^\S\n]+)*[A-ZÄÖÜ][a-zäöüßéèáóç]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
    r"(?:[^\S\n]+(?:(?:von|van|de|der|zu|von der|van der)[^\S\n]+)?[A-ZÄÖÜ][\wäöüß'’-]*[a-zäöüß]){1,2}"
)
_NOT_A_NAME = re.compile(r"\b(?:GmbH|AG|Inc|Ltd|Amtsgericht|Registergericht|Aufsichtsrat|Straße|Street)\b")
_POSTAL_LINE = re.compile(
    rf"(?:^|,){_OSP}(?:(?P<prefix>D|A|CH|DE|AT)[-–]{_OSP})?(?P<zip>\d{{4,5}}){_SP}(?P<city>{CITY_PATTERN})"
    rf"(?:{_OSP},{_OSP}(?P<country>[^\n,]+?))?{_OSP}$",
    re.M,
)
_US_POSTAL = re.compile(
    rf"(?P<city>{CITY_PATTERN}),{_OSP}(?P<state>[A-Z]{{2}}){_SP}(?P<zip>\d{{5}}(?:-\d{{4}})?)\b"
)
_UK_POSTAL = re.compile(rf"(?P<city>{CITY_PATTERN}){_SP}(?P<zip>[A-Z]{{1,2}}\d[A-Z\d]?{_SP}\d[A-Z]{{2}})\b")
_GERMAN_STREET = (
    r"[\w.'’ -]+(?i:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee)[^\S\n]*\d+[a-z]?"
)
_ENGLISH_STREET = (
    r"\d+[^\S\n]+[A-Z][\w.'’ -]*"
    r"(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Lane|Drive|Way|Parkway)"
    r"(?:,[^\S\n]*(?:Suite|Floor)[^\n,]*)?"
)
_STREET = re.compile(rf"^[^\S\n]*(?P<street>{_GERMAN_STREET}|{_ENGLISH_STREET})[^\S\n]*,?[^\S\n]*$", re.M)
_POSTAL_PREFIX_COUNTRY = {"D": "DE", "DE": "DE", "A": "AT", "AT": "AT", "CH": "CH"}


def is_imprint_page(document: Document) -> bool:
    """By its path (/impressum, /imprint, /legal-notice ...) or an imprint heading at the start of a line."""
    if _IMPRINT_PATH.search(urlsplit(document.page.final_url).path):
        return True
    return _IMPRINT_HEADING.search(document.visible.text) is not None


class ImprintExtractor:
    """Legal identity and seat from imprints; register and VAT numbers from any page."""

    name = "imprint"
    version = "1"

    def extract(self, document: Document) -> list[Finding]:
        maker = FindingMaker(document, self.name, self.version, "imprint")
        text = document.visible.text
        findings = list(self._registers(maker, text)) + list(self._vat_ids(maker, text))
        if is_imprint_page(document):
            heading = _IMPRINT_HEADING.search(text)
            body_start = heading.start() if heading else 0
            findings.extend(self._legal_name_and_seat(maker, text, body_start))
            findings.extend(self._directors(maker, text, body_start))
        return findings

    def _registers(self, maker: FindingMaker, text: str) -> Iterator[Finding]:
        for register, court_pattern, label in (
            (_GERMAN_REGISTER, _GERMAN_COURT, "Amtsgericht"),
            (_AUSTRIAN_REGISTER, _AUSTRIAN_COURT, "Handelsgericht"),
        ):
            for match in register.finditer(text):
                number = " ".join(match.group("number").split())
                kind = match.groupdict().get("kind") or "FN"
                value = f"{kind} {number}"
                start, end = match.start(), match.end()
                window_start = max(0, start - 120)
                courts = list(court_pattern.finditer(text, window_start, min(len(text), end + 120)))
                if courts:
                    court = min(courts, key=lambda found: abs(found.start() - start))
                    # The city pattern would also swallow a following "HRB": the court ends before it.
                    court_name = re.split(r"\s+(?:HRB|HRA|GnR|PR|VR|FN)\b", court.group("court"))[0]
                    value += f", {label} {court_name}"
                    start, end = min(start, court.start()), max(end, court.start("court") + len(court_name))
                yield _from_text(maker, "commercial_register", value, start, end)
        for match in _SWISS_UID.finditer(text):
            uid = f"CHE-{match.group('a')}.{match.group('b')}.{match.group('c')}"
            yield _from_text(maker, "commercial_register", uid, match.start(), match.end("c"))
            if match.group("vat"):
                value = f"{uid} {match.group('vat').strip()}"
                yield _from_text(maker, "vat_id", value, match.start(), match.end())

    def _vat_ids(self, maker: FindingMaker, text: str) -> Iterator[Finding]:
        for match in _VAT.finditer(text):
            vat = re.sub(r"\s", "", match.group("vat"))
            if vat.startswith("CHE"):
                continue  # read with its register above
            yield _from_text(maker, "vat_id", vat, match.start(), match.end())

    def _legal_name_and_seat(self, maker: FindingMaker, text: str, body_start: int) -> Iterator[Finding]:
        name = _LEGAL_NAME_LINE.search(text, body_start)
        if name is not None:
            legal_name = " ".join(name.group("name").split())
            yield _from_text(maker, "legal_name", legal_name, name.start("name"), name.end("name"))
        # The seat is the first address after the legal name (or the heading, for a name without a
        # legal form such as "GE Aerospace"), within the next few lines.
        anchor = name.start("name") if name is not None else body_start
        yield from self._address(maker, text, anchor, _nth_line_end(text, anchor, 7))

    def _address(self, maker: FindingMaker, text: str, start: int, end: int) -> Iterator[Finding]:
        for pattern in (_POSTAL_LINE, _US_POSTAL, _UK_POSTAL):
            postal = pattern.search(text, start, end)
            if postal is None:
                continue
            city = postal.group("city")
            yield _from_text(maker, "city", city, postal.start("city"), postal.end("city"), postal)
            yield _from_text(
                maker, "postal_code", postal.group("zip"), postal.start("zip"), postal.end("zip"), postal
            )
            street = _last_street_before(text, start, postal.start())
            if street is not None:
                yield _from_text(
                    maker, "street_address", street.group("street").strip(), *street.span("street")
                )
            yield from self._country(maker, text, postal)
            return

    def _country(self, maker: FindingMaker, text: str, postal: re.Match[str]) -> Iterator[Finding]:
        """The country named after the postal line (same or next line), else implied by D-/A-/CH-/a state."""
        named = postal.groupdict().get("country")
        next_line = re.match(r"\n[^\S\n]*(?P<line>[^\n]+?)[^\S\n]*(?=\n|$)", text[postal.end() :])
        prefix = postal.groupdict().get("prefix")
        state = postal.groupdict().get("state")
        if named and country_in_text(named):
            code, span, written = country_in_text(named), postal.span("country"), named
        elif next_line and country_in_text(next_line.group("line")):
            written = next_line.group("line")
            code = country_in_text(written)
            span = (postal.end() + next_line.start("line"), postal.end() + next_line.end("line"))
        elif prefix:
            code, span, written = (
                _POSTAL_PREFIX_COUNTRY[prefix],
                (postal.start("prefix"), postal.end("zip")),
                prefix,
            )
        elif state and region_country(state):
            code, span, written = region_country(state), (postal.start("state"), postal.end("zip")), state
        else:
            return
        if code is not None:
            yield _from_text(maker, "country", code, *span, value_text=written)

    def _directors(self, maker: FindingMaker, text: str, body_start: int) -> Iterator[Finding]:
        for label in _DIRECTOR_LABEL.finditer(text, body_start):
            names_start = label.start("names")
            for person in _PERSON.finditer(label.group("names")):
                if _NOT_A_NAME.search(person.group()):
                    break
                end = names_start + person.end()
                yield _from_text(maker, "managing_director", person.group(), label.start(), end)


def _nth_line_end(text: str, start: int, lines: int) -> int:
    """Where the ``lines``-th non-blank line after ``start`` ends."""
    end, counted = start, 0
    while counted < lines:
        found = text.find("\n", end + 1)
        if found < 0:
            return len(text)
        counted += bool(text[end + 1 : found].strip())
        end = found
    return end


def _last_street_before(text: str, start: int, end: int) -> re.Match[str] | None:
    found = None
    for found in _STREET.finditer(text, start, end):  # noqa: B007 - the nearest street line counts
        pass
    return found


def _from_text(
    maker: FindingMaker,
    field_name: str,
    value: str,
    start: int,
    end: int,
    evidence: re.Match[str] | None = None,
    *,
    value_text: str | None = None,
) -> Finding:
    """A finding for visible ``text[start:end]``, or for the whole ``evidence`` match when given."""
    if evidence is not None:
        start, end = evidence.start(), evidence.end()
        visible = maker.document.visible.text
        while start < end and visible[start] in ",\n \t":
            start += 1
    return maker.at_visible(Statement(field_name, value, value_text or value, "exact", start, end))
