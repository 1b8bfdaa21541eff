"""Many workers on PostgreSQL share one job queue: claims skip rows another worker is locking
(``FOR UPDATE SKIP LOCKED``), never wait on them, and no account is researched twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from enrich.sitehost import RouteHandler, serve_sites
from enrich.store import jobs
from enrich.store.db import check_schema, create_store_engine
from enrich.store.schema import field_value, job
from tests.enrich_runs import company_page, import_accounts, route_fetches

pytestmark = pytest.mark.postgres

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Engine]:
    engine = create_store_engine(postgres_url)
    check_schema(engine)
    yield engine
    engine.dispose()


def _queue(engine: Engine, count: int) -> list[int]:
    with engine.begin() as conn:
        jobs.enqueue(conn, [(account, float(count - account), {}) for account in range(1, count + 1)], now=T0)
        return list(conn.scalars(select(job.c.id).order_by(job.c.priority.desc())))


def test_a_claim_skips_the_job_another_worker_holds_locked_instead_of_waiting(pg_store: Engine) -> None:
    first, second, third = _queue(pg_store, 3)
    claimed: list[jobs.Lease] = []
    claimer = threading.Thread(
        target=lambda: claimed.extend(jobs.claim(pg_store, owner="host-b:2", now=T0, lease=LEASE, limit=2))
    )
    with pg_store.connect() as other_worker, other_worker.begin():  # a claim in flight holds the top job
        other_worker.execute(select(job.c.id).where(job.c.id == first).with_for_update())
        claimer.start()
        claimer.join(timeout=10)
        assert not claimer.is_alive(), "claim waited for a row lock instead of skipping the row"
        assert [lease.job_id for lease in claimed] == [second, third]
    (rest,) = jobs.claim(pg_store, owner="host-a:1", now=T0, lease=LEASE, limit=5)
    assert rest.job_id == first, "the skipped job is claimable once the lock is gone"


def test_workers_claiming_at_the_same_moment_never_get_the_same_job(pg_store: Engine) -> None:
    all_jobs = _queue(pg_store, 60)
    start = threading.Barrier(4)
    claimed: dict[str, list[int]] = {}

    def worker(owner: str) -> None:
        mine = claimed.setdefault(owner, [])
        start.wait(timeout=10)
        while batch := jobs.claim(pg_store, owner=owner, now=T0, lease=LEASE, limit=3):
            mine.extend(lease.job_id for lease in batch)

    threads = [threading.Thread(target=worker, args=(f"host:{index}",)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    taken = Counter(job_id for ids in claimed.values() for job_id in ids)
    assert [job_id for job_id, times in taken.items() if times > 1] == [], "a job was claimed twice"
    assert sorted(taken) == sorted(all_jobs), "every job was claimed"
    with pg_store.connect() as conn:
        assert set(conn.scalars(select(job.c.attempts))) == {1}


class Gate:
    """Holds every homepage answer until ``needed`` homepages were asked for at once (or 15 s passed).

    With two workers at concurrency 2, three requests in flight prove both workers are researching.
    """

    def __init__(self, needed: int) -> None:
        self.needed = needed
        self.asked: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._open = threading.Event()

    def homepage(self, site: str, body: bytes) -> RouteHandler:
        def answer(request: BaseHTTPRequestHandler) -> None:
            with self._lock:
                self.asked[site] += 1
                if sum(self.asked.values()) >= self.needed:
                    self._open.set()
            self._open.wait(timeout=15)
            request.send_response(200)
            request.send_header("Content-Type", "text/html; charset=utf-8")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)

        return answer


def test_two_enrich_processes_on_postgres_share_the_queue_and_research_each_account_once(
    postgres_url: str,
    pg_store: Engine,
    run_cli: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    domains = [
        f"{name}-freight.com" for name in ("ash", "birch", "cedar", "elm", "fir", "hazel", "oak", "yew")
    ]
    gate = Gate(needed=3)
    routes = {
        (domain, "/"): gate.homepage(domain, company_page(domain.split("-")[0].title(), 30 + index).body)
        for index, domain in enumerate(domains)
    }
    (tmp_path / "sites").mkdir()
    import_accounts(
        run_cli, postgres_url, tmp_path, [{"name": domain, "domain": domain} for domain in domains]
    )
    with serve_sites(tmp_path / "sites", extra_routes=routes) as host:
        env = os.environ | route_fetches(monkeypatch, f"*:127.0.0.1:{host.port}")
        command = [sys.executable, "-c", "from enrich.cli.main import main; main()",
                   "--db", postgres_url, "enrich", "--json", "--no-llm", "--concurrency", "2"]  # fmt: skip
        workers = [
            subprocess.Popen(
                command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        results = [worker.communicate(timeout=60) for worker in workers]
    for worker, (_, stderr) in zip(workers, results, strict=True):
        assert worker.returncode in (0, 4), stderr
    summaries = [json.loads(stdout) for stdout, _ in results]
    done = [summary["accounts_done"] for summary in summaries]
    assert sum(done) == len(domains) and min(done) >= 1, f"both workers research; accounts done: {done}"
    assert max(summary["planned"] for summary in summaries) == len(domains), "the first plan queues all"
    assert set(gate.asked.values()) == {1} and len(gate.asked) == len(domains), "each homepage read once"
    with pg_store.connect() as conn:
        states = Counter(tuple(row) for row in conn.execute(select(job.c.state, job.c.attempts)))
        runs_per_account = Counter(
            row.entity_id
            for row in conn.execute(
                select(field_value.c.entity_id, field_value.c.run_id)
                .where(field_value.c.source_kind != "crm")
                .distinct()
            )
        )
    assert states == {("done", 1): len(domains)}
    assert set(runs_per_account.values()) == {1} and len(runs_per_account) == len(domains), (
        "every account's values come from exactly one worker's run"
    )


def test_a_claim_leases_no_more_jobs_than_asked_and_enqueue_counts_what_it_queued(pg_store: Engine) -> None:
    with pg_store.begin() as conn:
        assert jobs.enqueue(conn, [(account, 1.0, {}) for account in range(1, 9)], now=T0) == 8
    with pg_store.begin() as conn:
        assert jobs.enqueue(conn, [(1, 5.0, {})], now=T0) == 1, "a queued job takes the new priority"
    claimed = jobs.claim(pg_store, owner="host-a:1", now=T0, lease=LEASE, limit=2)
    assert len(claimed) == 2 and claimed[0].account_id == 1, [lease.account_id for lease in claimed]
    with pg_store.begin() as conn:
        assert jobs.enqueue(conn, [(1, 9.0, {})], now=T0) == 0, "a job leased by a live worker is left alone"
    with pg_store.connect() as conn:
        assert conn.scalar(select(func.count()).where(job.c.state == "leased")) == 2
