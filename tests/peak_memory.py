"""Running the real CLI in a child process and reading that process's own peak RSS.

``ru_maxrss`` is not usable here: Linux carries the parent's high-water mark into a forked child
across ``exec`` (``setmax_mm_hiwater_rss``), so a test process that just built 100k rows in memory
would be charged to the child. ``VmHWM`` in ``/proc/self/status`` belongs to the child's own address
space, which ``exec`` creates fresh.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

MARKER = "PEAK_RSS_KIB"

_CHILD = (
    "import re, sys\n"
    "from enrich.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status', encoding='ascii').read()\n"
    f"print({MARKER!r}, re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_cli_measured(
    args: Sequence[str], *, cwd: Path, timeout: float
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``leadscore ARGS`` in a fresh interpreter; returns the finished process and its peak RSS in MB."""
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if MARKER not in child.stderr:
        return child, float("nan")
    return child, int(child.stderr.split(MARKER)[1].split()[0]) / 1024
