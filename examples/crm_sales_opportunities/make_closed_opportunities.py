"""Join the closed opportunities (Won/Lost) with their account's firmographics: one row per deal.

Usage: python examples/crm_sales_opportunities/make_closed_opportunities.py  (run from the repository root)
Writes closed_opportunities.csv beside this file, a flat lead file for `leadscore calibrate` and
`leadscore backtest --data`. Columns are named after leadscore's account fields (revenue in whole USD).
Open deals (Engaging, Prospecting) have no outcome yet and are left out.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = (
    "opportunity_id",
    "name",
    "industry",
    "employee_count",
    "annual_revenue",
    "founded_year",
    "country",
    "parent_company",
    "outcome",
    "decision_date",
)


def main() -> None:
    with (HERE / "accounts.csv").open(encoding="utf-8", newline="") as stream:
        accounts = {row["account"]: row for row in csv.DictReader(stream)}
    with (HERE / "sales_pipeline.csv").open(encoding="utf-8", newline="") as stream:
        deals = [row for row in csv.DictReader(stream) if row["deal_stage"] in ("Won", "Lost")]
    with (HERE / "closed_opportunities.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(COLUMNS)
        for deal in deals:
            account = accounts[deal["account"]]
            writer.writerow(
                (
                    deal["opportunity_id"],
                    deal["account"],
                    account["sector"],
                    account["employees"],
                    round(float(account["revenue"]) * 1_000_000),
                    account["year_established"],
                    account["office_location"],
                    account["subsidiary_of"],
                    deal["deal_stage"].lower(),
                    deal["close_date"],
                )
            )


if __name__ == "__main__":
    main()
