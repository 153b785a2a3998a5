"""``signpost worker``: sends the follow-up texts the webhooks queue (the Procfile's ``worker:``)."""

from __future__ import annotations

import argparse
import logging

import redis
from rq import SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

from service.followups import delivery
from service.web.app import configure_logging
from service.cli import say
from service.config import Config, ConfigError
from service.state.keys import FOLLOWUP_QUEUE
from service.twilio.sender import ConsoleSender, Sender


def followup_worker(outbox: delivery.Outbox, worker_class: type[Worker] = Worker) -> Worker:
    """An RQ worker on the follow-up queue whose jobs use ``outbox``.

    Its own Redis connection: RQ blocks on the queue for minutes, which the
    webhooks' fail-fast client would not allow.
    """
    delivery.install(outbox)
    connection = redis.Redis.from_url(outbox.line.config.redis_url)
    # The description never holds the number (see delivery.enqueue); not logging
    # it at all keeps it that way if that ever changes.
    return worker_class([FOLLOWUP_QUEUE], connection=connection, log_job_description=False)


def run_once(line, sender: Sender, *, with_scheduler: bool = True) -> bool:
    """Send what is queued now, in this process, and return (for tests and ``--burst``).

    With the scheduler, retries whose gap has passed are queued again first.
    """
    worker = followup_worker(delivery.Outbox(line, sender), SimpleWorker)
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
    worker = followup_worker(outbox)
    # The scheduler brings back jobs whose retry gap has passed (see delivery).
    worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
    return 0


def register(commands) -> None:
    worker = commands.add_parser("worker", help="send the follow-up texts the line queues")
    worker.add_argument("--burst", action="store_true", help="send what is queued, then exit")
    worker.set_defaults(handler=cmd_worker)
