"""Run one claimed job: the handler in this thread, a heartbeat (and cancel watch) beside it."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable

from codie.worker import handlers
from codie.worker.queue import Job, Queue

log = logging.getLogger(__name__)

ProgressSink = Callable[[int, float, str], None]


def execute(
    queue: Queue,
    job: Job,
    on_progress: ProgressSink | None = None,
    beat: float | None = None,
    cancel: threading.Event | None = None,
) -> Job:
    """Run `job` (claimed) to a final state and return it as stored. Setting `cancel`
    (besides cancelling in the queue) stops a running sandbox at once. The heartbeat renews
    the job's lease; if the lease was lost (this worker stalled past it and another took
    the job), the handler is cancelled and its result is not recorded."""
    fn = handlers.get(job.kind)
    owner = job.worker
    if fn is None:
        queue.fail(job.id, f"no handler registered for job kind {job.kind!r}", owner)
        return queue.get(job.id)
    ctx = handlers.QueueContext(job.id, job.kind, queue, on_progress=on_progress, scope=job.scope)
    if cancel is not None:
        ctx.cancel_event = cancel
    stop = threading.Event()
    interval = beat if beat is not None else max(0.2, queue.lease / 3)
    watcher = threading.Thread(
        target=_heartbeat, args=(queue, ctx, stop, interval, owner), name=f"heartbeat-{job.id}", daemon=True
    )
    watcher.start()
    try:
        result = fn(job.payload, ctx)
        if not isinstance(result, dict):
            raise TypeError(f"handler for {job.kind!r} returned {type(result).__name__}")
        if ctx.cancelled():
            pass  # the handler returned anyway; the job stays cancelled
        else:
            queue.complete(job.id, result, owner)
    except handlers.Cancelled:
        pass
    except Exception as exc:
        log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
        queue.fail(job.id, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", owner)
    finally:
        stop.set()
        watcher.join(timeout=5)
    return queue.get(job.id)


def _heartbeat(
    queue: Queue, ctx: handlers.QueueContext, stop: threading.Event, interval: float, owner: str | None = None
) -> None:
    while not stop.wait(interval):
        try:
            held = queue.heartbeat(ctx.job_id, owner)
            if not held or queue.is_cancelled(ctx.job_id):
                if not held:
                    log.warning("job %s: lease lost (cancelled, or taken over after a stall)", ctx.job_id)
                ctx.cancel_event.set()  # lets a running sandbox be killed at once
                return
        except Exception:  # the database may be briefly locked; try again next beat
            log.debug("heartbeat for job %s failed", ctx.job_id, exc_info=True)


def run_pending(
    queue: Queue,
    worker_id: str,
    kinds: list[str] | None = None,
    on_progress: ProgressSink | None = None,
    on_done: Callable[[Job], None] | None = None,
) -> int:
    """Drain the queue (for scripts and the standalone worker); returns jobs run."""
    count = 0
    while (job := queue.claim(worker_id, kinds or handlers.kinds())) is not None:
        done = execute(queue, job, on_progress)
        count += 1
        if on_done is not None:
            on_done(done)
    return count
