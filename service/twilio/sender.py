"""Who actually sends a follow-up text: Twilio's REST API, or the console.

Only the worker uses a sender. Without Twilio credentials (a local trial) the
console sender prints the text with the number masked, so ``make run`` works
with no account and still never puts a whole number in a terminal or log.
"""

from __future__ import annotations

import itertools
import sys
from typing import Protocol, TextIO

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from flows.phones import mask
from service.config import Config

STATUS_PATH = "/sms/status"


class Sender(Protocol):
    def send(self, to: str, body: str, from_number: str = "") -> str:
        """Send one SMS (from ``from_number``, the line that was called, when given); return
        the message's SID. Twilio's errors are raised as they come."""

    def delete_media(self, message_sid: str, media_sid: str) -> bool:
        """Delete one media item of a message from the account: True when deleted, False
        when there is no account to delete it from. Twilio's errors are raised as they come."""


def rest_client(config: Config, timeout: float) -> Client:
    """twilio-python's REST client for the account, its ``api`` domain at ``TWILIO_API_BASE_URL``.

    Messages and IncomingPhoneNumbers both live on the ``api`` domain (its v2010
    version), whose base URL is a plain attribute that ``Domain.absolute_url``
    reads for every request, paging links included; setting it routes the real
    client (auth, form encoding, error parsing all unchanged) to a local fake API
    in tests. Rewriting URLs in an HttpClient subclass would do the same with more
    code. Leave TWILIO_REGION/TWILIO_EDGE unset with a non-Twilio base URL: the
    client rewrites hostnames for those.
    """
    # requests' default is no retries: the caller decides what is safe to try again.
    client = Client(config.account_sid, config.auth_token, http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = config.api_base_url
    return client


class TwilioSender:
    """Sends through :func:`rest_client`; the delivery policy, not the transport,
    decides what is retried."""

    def __init__(self, config: Config):
        self.config = config
        self.client = rest_client(config, timeout=config.followup_send_timeout)

    def send(self, to: str, body: str, from_number: str = "") -> str:
        """Send ``body`` to ``to``: from ``from_number`` when given (the line that was
        called), else from the configured number or messaging service."""
        if from_number:
            sender = {"from_": from_number}
        elif self.config.messaging_service_sid:
            sender = {"messaging_service_sid": self.config.messaging_service_sid}
        else:
            sender = {"from_": self.config.from_number}
        callback = self.config.public_base_url + STATUS_PATH if self.config.public_base_url else None
        message = self.client.messages.create(to=to, body=body, status_callback=callback, **sender)
        return message.sid

    def delete_media(self, message_sid: str, media_sid: str) -> bool:
        """DELETE .../Messages/{message_sid}/Media/{media_sid}.json (Message Media resource)."""
        return self.client.messages(message_sid).media(media_sid).delete()


class ConsoleSender:
    """Prints what would have been sent; the number is masked."""

    _sids = itertools.count(1)

    def __init__(self, out: TextIO | None = None):
        self.out = out

    def send(self, to: str, body: str, from_number: str = "") -> str:
        out = self.out or sys.stdout
        sid = f"SMconsole{next(self._sids):024d}"
        sent_from = f" from {from_number}" if from_number else ""
        print(f"--- follow-up SMS to {mask(to)}{sent_from} (console: no Twilio credentials) ---\n{body}\n---", file=out, flush=True)
        return sid

    def delete_media(self, message_sid: str, media_sid: str) -> bool:
        print(
            "--- a picture or video sent to the line would be deleted now (console: no Twilio credentials) ---",
            file=self.out or sys.stdout,
            flush=True,
        )
        return False


def can_send(config: Config) -> bool:
    """Whether the configuration names a Twilio account and a number to send from."""
    return bool(config.account_sid and config.auth_token and (config.from_number or config.messaging_service_sid))


def sender_for(config: Config) -> Sender:
    return TwilioSender(config) if can_send(config) else ConsoleSender()
