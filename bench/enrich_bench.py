"""Enrichment throughput against simulated site latency, as a fraction of the concurrency limit's ideal.

1,000 accounts (``--accounts``), each with its own site on a loopback server that answers every request
(robots.txt, homepage, about, imprint, sitemap) after 200 ms (``--latency``). With ``--concurrency``
accounts at a time and one request at a time per host, the ideal run time is
``requests × latency / concurrency``; the benchmark prints the measured time, the ratio ideal/actual
(target ≥ 0.8), accounts/s and peak RSS. The real worker, fetcher, extractors and SQLite store run.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from machine_info import machine, peak_rss_mib
from sqlalchemy import insert

from enrich.config import Settings
from enrich.fetch.fetcher import Fetcher
from enrich.store.db import check_schema, create_store_engine
from enrich.store.pages import PageStore
from enrich.store.schema import account
from enrich.worker import EnrichOptions, RunSummary, plan, start_run, work


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("latency_sites.py")), str(port), str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_store_engine(f"sqlite:///{tmp}/bench.db")
        check_schema(engine)
        now = datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(
                insert(account),
                [
                    {"name": f"Account {i}", "domain": f"acct{i}.example", "source": "bench", "custom": {},
                     "created_at": now, "updated_at": now}
                    for i in range(args.accounts)
                ],
            )  # fmt: skip
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            fetch_connect_to=f"*:127.0.0.1:{port}",
            fetch_allow_addresses="127.0.0.1",
            fetch_host_delay_s=0.0,
        )
        options = EnrichOptions(fields=("employee_count", "founded_year"), concurrency=args.concurrency)
        summary = RunSummary()
        summary.planned = plan(engine, options, now=now)
        summary.run_id = start_run(engine, now=now, detail={"bench": True})

        cpu: list[float] = []

        async def run() -> float:
            async with Fetcher(settings, cache=PageStore(engine)) as fetcher:
                started, cpu_started = time.perf_counter(), time.process_time()
                await work(engine, fetcher, options, summary)
                cpu.append(time.process_time() - cpu_started)
                return time.perf_counter() - started

        elapsed = asyncio.run(run())
    server.terminate()
    requests = int((server.communicate(timeout=10)[0] or "0").strip().splitlines()[-1])
    ideal = requests * args.latency / args.concurrency
    peak_mb = peak_rss_mib()
    print(f"machine: {machine()}")
    print(f"accounts: {summary.accounts_done} researched of {summary.planned} queued, "
          f"{summary.fields_accepted} values accepted, {summary.pending_review} pending review")  # fmt: skip
    print(f"requests: {requests} at {args.latency * 1000:.0f} ms each, concurrency {args.concurrency}")
    print(f"time: {elapsed:.1f} s measured, {ideal:.1f} s ideal")
    rate = summary.accounts_done / elapsed
    print(f"throughput: {rate:.1f} accounts/s; ratio to ideal {ideal / elapsed:.2f} (target >= 0.80)")
    per_account_ms = cpu[0] / max(1, summary.accounts_done) * 1000
    print(f"CPU: {cpu[0]:.1f} s in this process, {per_account_ms:.1f} ms per account")
    print(f"peak RSS: {peak_mb:.0f} MB (target < 300 MB)")


if __name__ == "__main__":
    main()
