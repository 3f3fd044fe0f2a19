"""What a batch remembers between files, held by one object the batch passes down.

Reading a thousand returns of the same template meets the same rows, formula texts, labels
and cell references in every copy; remembering them makes a batch several times faster.
That memory is not module state: a :class:`BatchCache` is created by whoever runs a batch
(``consolidate`` for each worker, ``validate`` and ``read`` for their files) and passed to
the reader and the checks.  Each module keeps its part as a class of its own
(:meth:`BatchCache.part`), so a lower layer never needs to know who else remembers what,
and a fresh ``BatchCache`` reads cold.  Every part is bounded.
"""

from __future__ import annotations

from typing import Generic, TypeVar, cast

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class Memo(Generic[K, V]):
    """A bounded table of remembered results: when full, it starts over (cheaper than LRU
    bookkeeping on the hot path, and a batch of one template refills it at once)."""

    __slots__ = ("limit", "table")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.table: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self.table.get(key)

    def put(self, key: K, value: V) -> V:
        if len(self.table) >= self.limit:
            self.table.clear()
        self.table[key] = value
        return value

    def __len__(self) -> int:
        return len(self.table)


class BatchCache:
    """The memory of one batch: one part per module that remembers, created on first use."""

    def __init__(self) -> None:
        self._parts: dict[type, object] = {}

    def part(self, kind: type[T]) -> T:
        """The batch's instance of ``kind`` (a class with a no-argument constructor)."""
        found = self._parts.get(kind)
        if found is None:
            found = self._parts[kind] = kind()
        return cast(T, found)


def ensure(cache: BatchCache | None) -> BatchCache:
    """``cache``, or a fresh one for a single read."""
    return cache if cache is not None else BatchCache()


__all__ = ["BatchCache", "Memo", "ensure"]
