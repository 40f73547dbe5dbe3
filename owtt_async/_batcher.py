"""Group concurrent requests for one allowance into one transaction.

Charges of one allowance must pass its lock one transaction at a time, so on a busy
allowance each would wait for the commits of all before it. Instead, the requests
that arrive while a transaction runs wait in a queue, and the next transaction
decides all of them, in arrival order, under one lock and one commit. An idle
allowance's first request starts at once, alone. The exactness argument is the same
as for one request per transaction: every decision happens under the lock, against
the counters as the previous decisions left them.
"""

from __future__ import annotations

import asyncio
import collections
import uuid
import weakref

import databases

from ._ledger import Outcome, Request, run_batch
from ._session import open_session
from ._urls import DatabaseTarget

# The maximum number of requests one transaction decides; the rest wait for the next.
MAX_BATCH = 200


class Batcher:
    """The request queues of one connected database, one queue per allowance."""

    def __init__(self, database: databases.Database, target: DatabaseTarget) -> None:
        self._database = database
        self._target = target
        self._queues: dict[uuid.UUID, collections.deque[Request]] = {}
        self._workers: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def submit(self, allowance_id: uuid.UUID, request: Request) -> Outcome:
        """Queue ``request`` and return its outcome once its transaction committed.

        A caller cancelled before its request was taken leaves nothing behind; one
        cancelled after that may still have been recorded, as with any write whose
        commit was under way.
        """
        loop = asyncio.get_running_loop()
        request.future = loop.create_future()
        self._queues.setdefault(allowance_id, collections.deque()).append(request)
        if allowance_id not in self._workers:
            self._workers[allowance_id] = loop.create_task(self._drain(allowance_id))
        return await request.future

    async def _drain(self, allowance_id: uuid.UUID) -> None:
        queue = self._queues[allowance_id]
        try:
            while True:
                batch = _take(queue)
                if not batch:
                    return
                try:
                    async with open_session(self._database, self._target) as session:
                        outcomes = await run_batch(session, allowance_id, batch)
                except Exception as error:
                    for request in batch:
                        _fail(request, error)
                    continue
                for request, outcome in zip(batch, outcomes, strict=True):
                    if request.future is not None and not request.future.done():
                        request.future.set_result(outcome)
        finally:
            # Reached with requests still queued only when this task was cancelled
            # (the event loop is closing); fail them rather than leave them waiting.
            del self._workers[allowance_id]
            if queue:
                stopped = RuntimeError("the charging task was cancelled before this request ran")
                while queue:
                    _fail(queue.popleft(), stopped)
            self._queues.pop(allowance_id, None)


def _take(queue: collections.deque[Request]) -> list[Request]:
    batch: list[Request] = []
    while queue and len(batch) < MAX_BATCH:
        request = queue.popleft()
        if request.future is not None and not request.future.done():
            batch.append(request)
    return batch


def _fail(request: Request, error: BaseException) -> None:
    if request.future is not None and not request.future.done():
        request.future.set_exception(error)


_batchers: weakref.WeakKeyDictionary[databases.Database, Batcher] = weakref.WeakKeyDictionary()


def batcher_for(database: databases.Database, target: DatabaseTarget) -> Batcher:
    """Return the Batcher of ``database``, shared by every SponsoredUsage on it."""
    batcher = _batchers.get(database)
    if batcher is None:
        batcher = _batchers[database] = Batcher(database, target)
    return batcher
