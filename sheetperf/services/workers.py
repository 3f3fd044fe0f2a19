"""A small process pool whose workers can be killed one at a time.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: a worker that crashes
(a segfault in a C parser, the OOM killer) breaks the whole executor, and a
worker that hangs can't be stopped at all.  Consolidating thousands of
untrusted workbooks needs both to be ordinary, reportable events.  Here each
worker owns one duplex pipe; the parent sends it one task at a time and waits on
all pipes with a deadline.  A pipe that reaches end-of-file means its worker
died; a task past its time limit gets its worker killed (SIGKILL).  Either way
the task is reported as failed and a fresh worker takes the slot.  Workers are
also replaced after ``recycle_after`` tasks so that memory a parser leaks or
fragments can't grow with the number of files.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any, Final, Generic, Literal, TypeVar

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: Tasks a worker runs before it is replaced by a fresh process.
RECYCLE_AFTER: Final = 1000

Failure = Literal["timeout", "crashed", "error"]


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What became of one task: its result, or why there is none."""

    index: int
    result: R | None
    failure: Failure | None = None
    # For a failure: the exit status of a crashed worker, the exception of a handler.
    detail: str = ""
    seconds: float = 0.0


def _context() -> ForkContext | SpawnContext:
    # fork shares the parent's imported modules (pandas, lxml) at no cost; the
    # parent holds no threads or locks while workers are started.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


_PR_SET_PDEATHSIG: Final = 1


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends (``kill -9`` included).

    Linux: the kernel's parent-death signal (prctl PR_SET_PDEATHSIG), set to SIGKILL.
    Elsewhere, and as a second guard, a daemon thread watches the parent's pid.  If the
    parent is already gone when this runs, the process exits at once.
    """
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="sheetperf-parent-watch", daemon=True).start()


def _worker_main(
    conn: Connection,
    init: Callable[[Any], Any],
    init_arg: Any,
    handler: Callable[[Any, Any], Any],
    parent: int,
) -> None:
    """Loop of one worker process: receive a task, send back its result."""
    die_with_parent(parent)
    # Ctrl-C reaches the whole process group: the parent decides, workers are killed by it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's SIGTERM handler (raise Interrupted) is inherited by a forked worker; here
    # SIGTERM must simply end the process, whatever task it is in.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    state = init(init_arg)
    # What the worker inherited (imports, the command's objects) is never garbage: keep the
    # collector off it, so collections stay short and do not copy the parent's shared pages.
    gc.freeze()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, task = message
        try:
            result = handler(state, task)
        except BaseException as exc:  # a handler bug must not take the worker's other tasks with it
            conn.send((index, False, f"{type(exc).__name__}: {exc}"))
        else:
            conn.send((index, True, result))


class _Slot:
    """One worker process, its pipe and the tasks sent to it: the first is running, the next
    waits in the pipe so the worker never waits for the parent between two files."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.queue: deque[tuple[int, Any]] = deque()
        #: When the first task of ``queue`` started (sent to an idle worker, or the previous ended).
        self.started = 0.0
        self.done = 0


#: Tasks sent to a worker ahead of their turn (the one it runs and the next).
IN_FLIGHT: Final = 2


class WorkerPool(Generic[S, T, R]):
    """``jobs`` worker processes running ``handler(init(init_arg), task)``.

    ``init`` runs once in each worker (load a rules profile, goal tables);
    ``handler`` must be a module-level function (picklable under spawn).
    Use as a context manager so workers are always stopped.
    """

    def __init__(
        self,
        handler: Callable[[S, T], R],
        *,
        init: Callable[[Any], S],
        init_arg: Any = None,
        jobs: int = 1,
        time_limit: float = 120.0,
        recycle_after: int = RECYCLE_AFTER,
    ) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        if time_limit <= 0:
            raise ValueError("time_limit must be positive")
        self.handler = handler
        self.init = init
        self.init_arg = init_arg
        self.jobs = jobs
        self.time_limit = time_limit
        self.recycle_after = recycle_after
        self._context = _context()
        self._slots: list[_Slot] = []
        #: Worker processes started over the pool's life (replacements included).
        self.started_workers = 0

    def __enter__(self) -> WorkerPool[S, T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Slot:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, self.init, self.init_arg, self.handler, os.getpid()),
            daemon=True,
        )
        process.start()
        child_end.close()  # so that the worker's death reads as end-of-file here
        self.started_workers += 1
        return _Slot(process, parent_end)

    def _stop(self, slot: _Slot, *, kill: bool) -> None:
        if kill:
            slot.process.kill()
        else:
            try:
                slot.conn.send(None)
            except OSError:
                pass
        slot.process.join(timeout=None if kill else 5)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join()
        slot.conn.close()

    def _replace(self, slot: _Slot, *, kill: bool) -> _Slot:
        self._stop(slot, kill=kill)
        fresh = self._spawn()
        self._slots[self._slots.index(slot)] = fresh
        return fresh

    def close(self) -> None:
        """Stop every worker (politely when idle, killed when busy)."""
        for slot in self._slots:
            if slot.process.is_alive() or not slot.conn.closed:
                self._stop(slot, kill=bool(slot.queue))
        self._slots = []

    def map_unordered(self, tasks: Iterable[tuple[int, T]]) -> Iterator[Outcome[R]]:
        """Run every ``(index, task)``; yield one :class:`Outcome` per task as it ends.

        A worker holds :data:`IN_FLIGHT` tasks: while it runs one, the next is already in its
        pipe.  When a task hangs or kills its worker, only that task fails; the tasks queued
        behind it never ran and go to the fresh worker.
        """
        pending = iter(tasks)
        again: deque[tuple[int, T]] = deque()  # queued behind a lost worker: sent anew

        def next_task() -> tuple[int, T] | None:
            return again.popleft() if again else next(pending, None)

        if not self._slots:
            self._slots = [self._spawn() for _ in range(self.jobs)]
        try:
            while True:
                for slot in list(self._slots):
                    # A worker due for replacement gets no task it would not finish first.
                    while len(slot.queue) < IN_FLIGHT and slot.done + len(slot.queue) < self.recycle_after:
                        item = next_task()
                        if item is None:
                            break
                        if not slot.queue:
                            slot.started = time.monotonic()
                        slot.queue.append(item)
                        slot.conn.send(item)
                busy = [s for s in self._slots if s.queue]
                if not busy:
                    return
                now = time.monotonic()
                timeout = max(0.0, min(s.started + self.time_limit for s in busy) - now)
                ready = wait([s.conn for s in busy], timeout=timeout)
                by_conn = {id(s.conn): s for s in busy}
                for conn in ready:
                    yield self._receive(by_conn[id(conn)], again)
                now = time.monotonic()
                for slot in [s for s in self._slots if s.queue]:
                    if now - slot.started >= self.time_limit:
                        late, _ = slot.queue.popleft()
                        seconds = now - slot.started
                        again.extendleft(reversed(slot.queue))
                        slot.queue.clear()
                        self._replace(slot, kill=True)
                        yield Outcome(late, None, "timeout", f"{self.time_limit:g}", seconds)
        finally:
            self.close()

    def _receive(self, slot: _Slot, again: deque[tuple[int, Any]]) -> Outcome[R]:
        index, _ = slot.queue[0]
        now = time.monotonic()
        seconds = now - slot.started
        try:
            got_index, ok, payload = slot.conn.recv()
        except (EOFError, OSError):
            slot.process.join(timeout=5)
            code = slot.process.exitcode
            slot.queue.popleft()
            again.extendleft(reversed(slot.queue))
            slot.queue.clear()
            self._replace(slot, kill=True)
            return Outcome(index, None, "crashed", _exit_text(code), seconds)
        slot.queue.popleft()
        slot.started = now  # the worker took the next task as it sent this result
        slot.done += 1
        assert got_index == index
        if slot.done >= self.recycle_after and not slot.queue:
            self._replace(slot, kill=False)
        if ok:
            result: R = payload
            return Outcome(index, result, None, "", seconds)
        return Outcome(index, None, "error", str(payload), seconds)


def _exit_text(code: int | None) -> str:
    """``-11`` → ``SIGSEGV``; a plain exit status as a number."""
    if code is None:
        return "?"
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return str(code)


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
