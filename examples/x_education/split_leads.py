"""Split X Education's leads_dev.csv into a calibration part (70%) and a test part (30%), stratified.

Usage: python examples/x_education/split_leads.py PATH/TO/leads_dev.csv examples/x_education/
Reproducible: the same input and seed give byte-identical outputs. Rows keep their file order and
their cells unchanged; only the line ends are LF (as in the input).
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

SEED = 20240601
TEST_SHARE = 0.3


def main(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        rows = list(reader)
    outcome = header.index("Converted")
    rng = random.Random(SEED)
    test: set[int] = set()
    for label in ("0", "1"):
        indexes = [i for i, row in enumerate(rows) if row[outcome] == label]
        rng.shuffle(indexes)
        test.update(indexes[: round(TEST_SHARE * len(indexes))])
    for name, keep in (("leads_calibration.csv", False), ("leads_test.csv", True)):
        with (target / name).open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(row for i, row in enumerate(rows) if (i in test) == keep)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
