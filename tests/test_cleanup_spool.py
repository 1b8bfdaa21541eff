"""The plan's proposals are spooled to a temp file and written out piece by piece, unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from enrich.cleanup.model import StaleValue
from enrich.cleanup.report import write_json
from enrich.cleanup.spool import CHUNK, Spool


def _stale(account_id: int) -> StaleValue:
    checked = datetime(2023, 1, 1, tzinfo=UTC)
    return StaleValue(account_id, f"Acme {account_id}", "industry", {"min": account_id}, checked, None)


def test_a_spool_past_its_chunk_reads_back_every_item_in_order_each_time() -> None:
    items = [_stale(number) for number in range(CHUNK * 2 + 7)]
    spool = Spool(items)
    assert len(spool) == len(items) and spool
    assert list(spool) == items, "first read"
    assert list(spool) == items, "a spool can be read again"
    spool.append(_stale(-1))
    assert list(spool)[-1] == _stale(-1), "appending after a read keeps the order"
    assert spool == [*items, _stale(-1)] and spool != items


def test_an_empty_spool_equals_an_empty_list() -> None:
    spool: Spool[int] = Spool()
    assert spool == [] and not spool and len(spool) == 0


def test_json_written_piece_by_piece_is_what_json_dumps_writes() -> None:
    def document() -> dict[str, object]:
        return {
            "run_id": None,
            "counts": {"changes": 2, "duration_s": 1.5},
            "plan": {
                "steps": ["normalise", "stale"],
                "changes": iter([{"account": 'Ä "quoted"', "after": {"min": 1}}, {"evidence": {}}]),
                "flags": iter([]),
                "merges": iter([[1, [2, {}]], "x"]),
                "score_move": None,
            },
            "empty": {},
        }

    pieces: list[str] = []
    write_json(pieces.append, document())
    expected = document()
    plan = expected["plan"]
    assert isinstance(plan, dict)
    for name in ("changes", "flags", "merges"):
        plan[name] = list(plan[name])
    assert "".join(pieces) == json.dumps(expected, indent=2)
