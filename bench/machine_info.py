"""What every benchmark prints about the machine it ran on, and its own peak memory."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path


def machine() -> str:
    """CPU model, CPU count, load average and Python: the context a figure was measured in."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    python = f"Python {platform.python_version()} ({platform.python_implementation()})"
    return f"{model}; {os.cpu_count()} CPUs; load {load:.1f}; {python}"


def peak_rss_mib() -> float:
    """This process's own peak RSS: ``VmHWM`` on Linux (``ru_maxrss`` inherits the parent's peak)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
