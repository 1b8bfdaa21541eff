"""An append-only list of proposals that keeps only its last chunk in memory (the rest in a temp file).

A cleanup over 100k accounts proposes some 150,000 changes, flags and stale values; the dry run shows
them all (diff, report, ``--json``) and ``--apply`` writes them all, but never needs them at once. A
:class:`Spool` is read front to back as often as needed, each time from its temporary file, a chunk
at a time, so memory stays flat however large the plan grows. A small plan never touches the disk.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Generic, TypeVar

Item = TypeVar("Item")
CHUNK = 1000


class Spool(Generic[Item]):
    """Items in the order appended; iterate it (any number of times), take its ``len``, compare it."""

    __slots__ = ("_buffer", "_chunks", "_count", "_file")

    def __init__(self, items: Iterable[Item] = ()) -> None:
        self._buffer: list[Item] = []
        self._chunks: list[tuple[int, int]] = []  # (offset, length) of each pickled chunk in the file
        self._count = 0
        self._file: IO[bytes] | None = None
        self.extend(items)

    def append(self, item: Item) -> None:
        self._buffer.append(item)
        self._count += 1
        if len(self._buffer) >= CHUNK:
            self._spill()

    def extend(self, items: Iterable[Item]) -> None:
        for item in items:
            self.append(item)

    def __iter__(self) -> Iterator[Item]:
        for offset, length in list(self._chunks):
            assert self._file is not None
            self._file.seek(offset)
            chunk: list[Item] = pickle.loads(self._file.read(length))
            yield from chunk
        yield from list(self._buffer)

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Spool | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"Spool({self._count} items)"

    def close(self) -> None:
        """Drop the temporary file (also done when the spool is garbage-collected)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._chunks.clear()
        self._buffer.clear()
        self._count = 0

    def _spill(self) -> None:
        if self._file is None:
            # open for the spool's lifetime; close() or garbage collection removes it
            self._file = tempfile.TemporaryFile(prefix="leadscore-cleanup-")  # noqa: SIM115
        data = pickle.dumps(self._buffer, protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._file.seek(0, 2)
        self._file.write(data)
        self._chunks.append((offset, len(data)))
        self._buffer = []
