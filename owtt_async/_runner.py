"""The event loop behind the blocking API.

Blocking calls run their coroutine on one event loop that owtt_async keeps in a
thread of its own, with one connection pool per database URL, reused by every call.
Because the loop is the library's own, a blocking call works the same from a plain
script, from many threads at once, and from code that is itself running inside an
event loop (a notebook cell, a sync helper in an async app), whose loop it merely
blocks for the duration of the call.

After ``os.fork`` the child starts afresh: the parent's thread does not exist there,
and its connections belong to the parent. At interpreter exit the pools are closed
before Python waits for threads, so a one-call script exits promptly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from ._database import Database
from ._sql import queries
from ._urls import DatabaseTarget, parse_database_url, resolve_database_url

logger = logging.getLogger("owtt_async")

T = TypeVar("T")

SHUTDOWN_TIMEOUT = 10.0


class _Runner:
    """One event loop thread and the pools opened on it, for one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._databases: dict[DatabaseTarget, Database] = {}
        self._connecting: dict[DatabaseTarget, asyncio.Lock] = {}

    def run(self, database_url: str | None, call: Callable[[Database], Awaitable[T]]) -> T:
        """Run ``call`` with the pooled Database for ``database_url`` and return its result."""
        url = resolve_database_url(database_url)
        target = parse_database_url(url)
        loop = self._ensure_loop()
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "a blocking owtt_async function was called from inside owtt_async's own "
                "event loop; await the SponsoredAllowances or ModelPricing method instead"
            )

        # The first call for a URL imports the databases backend and its driver, and
        # reads the statement files: tens of milliseconds of blocking work, done here
        # in the caller's thread rather than as one long step of the shared loop.
        queries(target.dialect)
        candidate = None if target in self._databases else Database(url)

        async def run_call() -> T:
            database = await self._database(target, url, candidate)
            return await call(database)

        handoff = _Handoff(run_call())
        loop.call_soon_threadsafe(handoff.start)
        try:
            return handoff.wait()
        except BaseException:
            # KeyboardInterrupt in the waiting thread: cancel the call on the loop too,
            # so that its transaction rolls back instead of running on unseen.
            loop.call_soon_threadsafe(handoff.cancel)
            raise

    def shutdown(self) -> None:
        """Close every pool and stop the loop thread, waiting a bounded time."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return

        async def close_all() -> None:
            databases, self._databases = list(self._databases.values()), {}
            for database in databases:
                try:
                    await database.disconnect()
                except Exception as error:
                    logger.warning(
                        "closing %s at exit failed: %s", database.target.display, error
                    )

        try:
            asyncio.run_coroutine_threadsafe(close_all(), loop).result(SHUTDOWN_TIMEOUT)
        except (concurrent.futures.TimeoutError, RuntimeError) as error:
            logger.warning("closing owtt_async's pools at exit failed: %r", error)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(SHUTDOWN_TIMEOUT)

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=_run_forever, args=(loop,), name="owtt_async-loop", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    async def _database(
        self, target: DatabaseTarget, url: str, candidate: Database | None
    ) -> Database:
        # Pools are kept per checked target, which contains the settings missing
        # from the normalised target.url (connect_timeout). They are opened from
        # the caller's own URL, so that those settings reach the pool.
        database = self._databases.get(target)
        if database is not None and database.is_connected:
            return database

        # Runs on the loop thread, so this lock only orders the coroutines of
        # concurrent first calls: one connects, the others wait for its pool.
        lock = self._connecting.setdefault(target, asyncio.Lock())
        async with lock:
            database = self._databases.get(target)
            if database is None or not database.is_connected:
                database = candidate or Database(url)
                await database.connect()
                self._databases[target] = database
            return database


class _Handoff(Generic[T]):
    """One blocking call's coroutine, run on the loop while the caller's thread waits.

    A plain lock wakes the waiting thread. asyncio.run_coroutine_threadsafe wakes it
    through a concurrent.futures.Future and its condition variable, which measured
    about 25 us more per call on a 2-core machine (Python 3.11), a sixth of the hop.
    """

    def __init__(self, coroutine: Awaitable[T]) -> None:
        self._coroutine = coroutine
        self._finished = threading.Lock()
        self._finished.acquire()
        self._task: asyncio.Future[T] | None = None
        self._cancelled = False

    def start(self) -> None:
        """Start the call; runs on the loop thread."""
        if self._cancelled:
            getattr(self._coroutine, "close", lambda: None)()
            self._finished.release()
            return
        self._task = asyncio.ensure_future(self._coroutine)
        self._task.add_done_callback(self._finish)

    def cancel(self) -> None:
        """Cancel the call if it has not finished; runs on the loop thread."""
        self._cancelled = True
        if self._task is not None:
            self._task.cancel()

    def wait(self) -> T:
        """Block until the call finishes; return its result or raise its error."""
        self._finished.acquire()
        if self._task is None:
            raise concurrent.futures.CancelledError()
        return self._task.result()

    def _finish(self, task: asyncio.Future[T]) -> None:
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not report an abandoned call
        self._finished.release()


def _run_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.close()


_runner = _Runner()
_abandoned: list[Any] = []


def run(database_url: str | None, call: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``call`` on the library's event loop with the pool for ``database_url``."""
    return _runner.run(database_url, call)


def close_pools() -> None:
    """Close the pools the blocking functions opened; the next call opens new ones.

    Scripts need not call this, because the pools close at interpreter exit. It is
    for tests, and for programs that switch databases and want connections back.
    """
    _runner.shutdown()


def _start_afresh_after_fork() -> None:
    global _runner
    # The child has no loop thread, and the parent's connections are the parent's:
    # closing them here would end the parent's sessions. Keep the old runner
    # referenced, untouched, so that garbage collection does not close them either.
    _abandoned.append(_runner)
    _runner = _Runner()


def _shutdown_at_exit() -> None:
    _runner.shutdown()


os.register_at_fork(after_in_child=_start_afresh_after_fork)

# threading._register_atexit runs before Python joins non-daemon threads at exit;
# atexit handlers run only after that join. Closing the pools first matters when
# an application's own code keeps non-daemon threads waiting on them.
_register_atexit = getattr(threading, "_register_atexit", None)
if callable(_register_atexit):
    _register_atexit(_shutdown_at_exit)
else:  # pragma: no cover - CPython has had it since 3.9
    import atexit

    atexit.register(_shutdown_at_exit)
