"""``signpost worker``: sends the follow-up texts the webhooks queue, and deletes the
pictures sent to the line when no text is waiting (the Procfile's ``worker:``)."""

from __future__ import annotations

import argparse
import logging
import time

import redis

from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from service.followups import delivery, sweep
from service.web.app import configure_logging
from service.cli import say
from service.config import Config, ConfigError
from service.state import connection
from service.state.keys import FOLLOWUP_QUEUE, MEDIA_QUEUE
from service.twilio.sender import ConsoleSender, Sender

log = logging.getLogger("signpost.worker")
# RQ wakes from its blocking wait this long before a worker's registration would lapse.
RQ_TTL_MARGIN = 15
# After RQ gives up on Redis (it quits its loop on some errors), wait this long and start again.
RESTART_PAUSE = 1.0


class PromptWorker(SimpleWorker):
    """RQ's in-process worker, able to stop at once.

    RQ listens for its commands (stop, kill) on a thread that waits up to 60 s for each
    message, and redis-py's ``stop()`` waits for that thread: a worker ending (a burst
    run that found nothing to do, a deploy's SIGTERM) could hang for a minute in its
    teardown. Waiting a second at a time costs one idle read a second.
    """

    def subscribe(self):
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )


class FollowUpWorker(PromptWorker):
    """RQ's worker, running each job in the worker's own process, with the follow-up sweep among
    its maintenance tasks.

    In-process (``SimpleWorker``), not RQ's work horse: the horse is a fresh interpreter
    that rebuilds its Redis client from plain keyword arguments, which can express
    neither Sentinel nor a connection that reconnects on READONLY. A follow-up is one
    short HTTP request, so a horse's isolation buys little.
    """

    sweep_line = None

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        if self.sweep_line is not None:
            try:
                sweep.sweep(self.sweep_line, interval=self.maintenance_interval)
            except Exception:  # noqa: BLE001 - a failed sweep is tried again next time
                log.warning("follow-up sweep failed; trying again in %ds", self.maintenance_interval, exc_info=True)


def followup_worker(outbox: delivery.Outbox, worker_class: type[PromptWorker] = FollowUpWorker) -> PromptWorker:
    """An RQ worker on the follow-up queue whose jobs use ``outbox``.

    Its own Redis connection, from the same factory as every other: RQ blocks on the
    queue, which the webhooks' fail-fast client would not allow (RQ sets its timeout).
    """
    delivery.install(outbox)
    config = outbox.line.config
    redis = connection.client(config, timeout=None, retries=1, health_check_interval=30)
    interval = config.followup_sweep_seconds
    # The description never holds the number (see delivery.enqueue); not logging
    # it at all keeps it that way if that ever changes. RQ runs its maintenance, and so
    # the sweep, when it wakes from the queue: a TTL this short wakes it in time.
    # RQ takes a job from the first of its queues that has one: a follow-up text always
    # goes before a picture's deletion, however many deletions wait (see followups.media).
    worker = worker_class(
        [FOLLOWUP_QUEUE, MEDIA_QUEUE],
        connection=redis,
        log_job_description=False,
        maintenance_interval=interval,
        worker_ttl=interval + RQ_TTL_MARGIN,
    )
    if isinstance(worker, FollowUpWorker):
        worker.sweep_line = outbox.line
    # A failover takes seconds: try Redis again every second or two, not after a minute.
    worker.exponential_backoff_factor = 1.5
    worker.max_connection_wait_time = 5.0
    return worker


def run_once(line, sender: Sender, *, with_scheduler: bool = True) -> bool:
    """Send what is queued now, in this process, and return (for tests and ``--burst``).

    With the scheduler, retries whose gap has passed are queued again first.
    """
    worker = followup_worker(delivery.Outbox(line, sender), PromptWorker)
    # A thread timer, not SIGALRM, bounds each job: the process hosting this may use the alarm.
    worker.death_penalty_class = TimerDeathPenalty
    return worker.work(burst=True, with_scheduler=with_scheduler, logging_level="WARNING")


def cmd_worker(args: argparse.Namespace) -> int:
    try:
        config = Config.from_env()
    except ConfigError as exc:
        say(str(exc))
        return 2
    configure_logging()
    outbox = delivery.Outbox.from_config(config)
    if isinstance(outbox.sender, ConsoleSender):
        logging.getLogger("signpost").warning(
            "no Twilio credentials (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, and TWILIO_FROM_NUMBER or "
            "TWILIO_MESSAGING_SERVICE_SID): follow-up texts are printed here, not sent"
        )
    while True:
        try:
            # Made inside the try: RQ names its connection in Redis as it starts, and during
            # a failover there may be no primary to name it on yet.
            worker = followup_worker(outbox)
            # The scheduler brings back jobs whose retry gap has passed (see delivery).
            worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
        except redis.exceptions.RedisError as exc:
            # Redis refusing writes (full, or a replica after a failover) raises out of
            # RQ's heartbeat, its birth or its death record: wait and start again, for a
            # worker that exits leaves every queued follow-up unsent until a person notices.
            log.warning("the worker stopped: Redis said %s; starting again in %.0fs", exc, RESTART_PAUSE)
            time.sleep(RESTART_PAUSE)
            continue
        # RQ leaves its loop when asked to stop, and also on a Redis error outside its
        # wait for a job (a heartbeat during a failover): then it starts again.
        # (RQ keeps no public record of a stop being asked for, idle or busy.)
        if args.burst or worker._stop_requested or worker._shutdown_requested_date is not None:
            return 0
        log.warning("the worker stopped on a Redis error; starting again in %.0fs", RESTART_PAUSE)
        time.sleep(RESTART_PAUSE)


def register(commands) -> None:
    worker = commands.add_parser("worker", help="send the follow-up texts the line queues")
    worker.add_argument("--burst", action="store_true", help="send what is queued, then exit")
    worker.set_defaults(handler=cmd_worker)
