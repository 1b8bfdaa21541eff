"""Write the synthetic sample data: CRM exports (Salesforce shape), activities and demo company websites.

    .venv/bin/python examples/generate_sample.py              # rewrites examples/crm and examples/sites
    .venv/bin/python examples/generate_sample.py --out /tmp/sample --seed 7

The same seed gives byte-identical files on every run and machine: every random choice comes from one
``random.Random(seed)``, nothing reads the clock, and no output depends on set or hash order.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from samplegen.companies import REFERENCE_DATE, build_companies
from samplegen.journeys import HEADERS as ACTIVITY_HEADERS
from samplegen.journeys import build_activities
from samplegen.people import build_contacts
from samplegen.sites import TRUTH_HEADERS, build_sites

DEFAULT_SEED = 20261125
EXAMPLES_DIR = Path(__file__).resolve().parent
ACCOUNT_HEADERS = (
    "Id", "Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue",
    "BillingCity", "BillingCountry", "OwnerId", "CreatedDate",
)  # fmt: skip
CONTACT_HEADERS = ("Id", "AccountId", "FirstName", "LastName", "Email", "Title", "Department", "Phone")

SOURCE_NOTE = """\
Synthetic data: every company, person, e-mail address, phone number and activity here is invented.
Made by examples/generate_sample.py with seed {seed} (reference date {reference}); rerun it to
reproduce these files byte for byte. Domains are made up as well but may exist on the internet: point
the enricher at examples/sites through enrich.sitehost (loopback), never at the real web.
Licence: Apache-2.0, the same as the leadscore project.
"""


@dataclass(frozen=True)
class Summary:
    accounts: int
    contacts: int
    activities: int
    sites: int
    missing_employees: float  # share of accounts with an empty NumberOfEmployees
    missing_industry: float
    missing_website: float
    contacts_without_account: int
    activities_by_email_only: int
    duplicate_activity_rows: int

    def lines(self) -> list[str]:
        return [
            f"accounts            {self.accounts}",
            f"  no employee count {self.missing_employees:.0%}",
            f"  no industry       {self.missing_industry:.0%}",
            f"  no website        {self.missing_website:.0%}",
            f"contacts            {self.contacts} ({self.contacts_without_account} without AccountId)",
            f"activities          {self.activities} ({self.activities_by_email_only} by e-mail only, "
            f"{self.duplicate_activity_rows} duplicate rows)",
            f"demo websites       {self.sites}",
        ]


def csv_text(headers: Sequence[str], rows: Iterable[dict[str, str]]) -> str:
    """CSV with ``\\n`` line ends and quotes only where needed (names with commas, spaces at the ends)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:  # newline="": keep "\n" on every OS
        handle.write(text)


def main(out_dir: Path = EXAMPLES_DIR, seed: int = DEFAULT_SEED) -> Summary:
    """Write ``out_dir/crm/*`` and ``out_dir/sites/*`` for ``seed``, print and return the summary.

    ``out_dir/sites`` is replaced as a whole (it holds only generated sites), so a changed seed leaves
    no stale site behind.
    """
    rng = random.Random(seed)
    companies = build_companies(rng)
    contacts = build_contacts(rng, companies)
    activities = build_activities(rng, contacts, companies)
    sites = build_sites(rng, companies)

    crm_dir, sites_dir = out_dir / "crm", out_dir / "sites"
    write_file(
        crm_dir / "accounts_salesforce.csv", csv_text(ACCOUNT_HEADERS, (c.crm_row() for c in companies))
    )
    write_file(
        crm_dir / "contacts_salesforce.csv", csv_text(CONTACT_HEADERS, (c.crm_row() for c in contacts))
    )
    write_file(crm_dir / "activities.csv", csv_text(ACTIVITY_HEADERS, (a.row() for a in activities)))
    note = SOURCE_NOTE.format(seed=seed, reference=REFERENCE_DATE.date().isoformat())
    write_file(crm_dir / "SOURCE.txt", note)
    if sites_dir.exists():
        shutil.rmtree(sites_dir)
    for site in sites:
        for relative_path, text in site.files.items():
            write_file(sites_dir / site.domain / relative_path, text)
    write_file(sites_dir / "TRUTH.csv", csv_text(TRUTH_HEADERS, (site.truth_row() for site in sites)))
    write_file(sites_dir / "SOURCE.txt", note)

    count = len(companies)
    summary = Summary(
        accounts=count,
        contacts=len(contacts),
        activities=len(activities),
        sites=len(sites),
        missing_employees=sum(not c.crm_employees for c in companies) / count,
        missing_industry=sum(not c.crm_industry for c in companies) / count,
        missing_website=sum(not c.crm_website for c in companies) / count,
        contacts_without_account=sum(c.account is None for c in contacts),
        activities_by_email_only=sum(a.reference.startswith("email") for a in activities),
        duplicate_activity_rows=len(activities) - len({a.activity_id for a in activities}),
    )
    print(f"wrote {out_dir} (seed {seed})")
    print("\n".join(summary.lines()))
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=EXAMPLES_DIR, help="output directory (default: examples/)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
    arguments = parser.parse_args()
    main(arguments.out, arguments.seed)
