"""Spreadsheet formula injection: cells written for Excel/Sheets, and read back from them.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a formula
when the CSV is opened in a spreadsheet (OWASP "CSV injection"), so it gets a leading single quote,
which spreadsheets show as "text" and hide. Plain numbers such as ``-5`` or ``+3.5`` stay as they are:
a spreadsheet reads them as the number they are, and quoting them would turn figures into text.
Reading a leadscore export back strips that one quote again, so a round trip returns the original text.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def protect_formula(cell: str) -> str:
    """The cell as safe to open in a spreadsheet (see the module doc for the rule)."""
    if cell.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def unprotect_formula(cell: str) -> str:
    """Undo ``protect_formula``: a quote followed by a formula trigger is dropped."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(cell[1:]):
        return cell[1:]
    return cell
