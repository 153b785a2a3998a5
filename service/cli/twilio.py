"""``signpost twilio connect`` and ``signpost twilio doctor``: a number's settings by command.

``connect NUMBER`` (or ``--all``: every number in SIGNPOST_PACKS) sets the
number's SMS and voice URLs, fallbacks and methods to what the line expects
(see :mod:`service.twilio.numbers`) and prints what it changed; ``--dry-run``
prints what it would change and changes nothing. ``doctor`` reads every number
back and exits 1 when any differs, when a number on the account sends to this
line but is in no pack, or when a static fallback file is missing or stale; 2 when a
setting is missing or wrong (naming every one), and 3 when Twilio cannot be reached. Both
use twilio's REST client (IncomingPhoneNumbers), so a test can point them at a
fake API through TWILIO_API_BASE_URL.
"""

from __future__ import annotations

import argparse
import sys
import urllib.request

import requests
from twilio.base.exceptions import TwilioException

from flows.pack import PackError
from flows.phones import e164
from service.cli import say
from service.cli.export_fallback import fallback_files
from service.config import Config, ConfigError
from service.line import load_packs
from service.twilio.numbers import differences, expected, points_at, settings_of
from service.twilio.sender import rest_client

# An operator waits for these; Twilio usually answers well within it.
TIMEOUT = 15.0
# Exit codes: 1 something to fix on the account, 2 a setting to fix here, 3 Twilio not reached.
UNREACHABLE = 3


def _unreachable(exc: Exception) -> int:
    """No network, DNS or Twilio down: one line, and an exit code of its own, never a traceback."""
    reason = type(exc).__name__
    say(f"could not reach Twilio's API ({reason}); check the network and TWILIO_API_BASE_URL, then try again")
    return UNREACHABLE


class Setup:
    """The configuration, packs and REST client both commands need, checked first."""

    def __init__(self, config: Config, fallback_base: str | None):
        # Every missing setting at once: an operator fixes them in one go, not one per run.
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", config.account_sid),
                ("TWILIO_AUTH_TOKEN", config.auth_token),
                ("PUBLIC_BASE_URL", config.public_base_url),
                # Not Twilio's, but the line will not start behind a token without it.
                ("SIGNPOST_SECRET_KEY", config.secret_key),
            )
            if not value
        ]
        if missing:
            raise ConfigError(f"{', '.join(missing)} must be set")
        self.fallback_base = config.fallback_base_url if fallback_base is None else fallback_base
        for name, url in (("PUBLIC_BASE_URL", config.public_base_url), ("the fallback base URL", self.fallback_base)):
            if url and not url.startswith("https://"):
                # Twilio would send every text and call in the clear.
                raise ConfigError(f"{name} must be https, not {url}")
        self.config = config
        self.default, self.packs = load_packs(config)
        self.client = rest_client(config, timeout=TIMEOUT)

    def wanted(self, number: str) -> dict[str, str]:
        pack = self.packs.get(number, self.default)
        return expected(self.config.public_base_url, pack.id, self.fallback_base)

    def pack_id(self, number: str) -> str:
        return self.packs.get(number, self.default).id

    def find(self, number: str):
        """The account's IncomingPhoneNumber for ``number``, or None.

        Twilio's PhoneNumber filter matches partial numbers, so the match is checked here.
        """
        found = self.client.incoming_phone_numbers.list(phone_number=number)
        return next((n for n in found if n.phone_number == number), None)


def _setup(args) -> Setup:
    return Setup(Config.from_env(), getattr(args, "fallback_base", None))


def cmd_connect(args: argparse.Namespace) -> int:
    try:
        setup = _setup(args)
        numbers = _targets(args, setup)
    except (ConfigError, PackError) as exc:
        say(str(exc))
        return 2
    status = 0
    try:
        for number in numbers:
            status |= _connect(setup, number, args.dry_run)
    except TwilioException as exc:
        say(f"Twilio refused: {exc}")
        return 1
    except requests.RequestException as exc:
        return _unreachable(exc)
    return status


def _targets(args, setup: Setup) -> list[str]:
    if args.all:
        if not setup.packs:
            raise ConfigError("--all connects every number in SIGNPOST_PACKS, and it is not set")
        return list(setup.packs)
    number = e164(args.number or "")
    if not number:
        raise ConfigError(f"{args.number!r} is not a phone number")
    if setup.packs and number not in setup.packs:
        raise ConfigError(f"{number} is in no pack of SIGNPOST_PACKS: add it there first")
    return [number]


def _connect(setup: Setup, number: str, dry_run: bool) -> int:
    found = setup.find(number)
    if found is None:
        print(f"{number}: not a number on this Twilio account")
        return 1
    changes = differences(settings_of(found), setup.wanted(number))
    if not changes:
        print(f"{number} ({setup.pack_id(number)}): already set; nothing to change")
        return 0
    if not dry_run:
        setup.client.incoming_phone_numbers(found.sid).update(**{change.field: change.expected for change in changes})
    print(f"{number} ({setup.pack_id(number)}): {'would change' if dry_run else 'changed'}")
    for change in changes:
        print(f"  {change.change}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    try:
        setup = _setup(args)
        listed = [e164(n) or n for n in args.numbers]
    except (ConfigError, PackError) as exc:
        say(str(exc))
        return 2
    try:
        account = {n.phone_number: n for n in setup.client.incoming_phone_numbers.stream()}
    except TwilioException as exc:
        say(f"Twilio refused: {exc}")
        return 1
    except requests.RequestException as exc:
        return _unreachable(exc)
    problems = _diagnose(setup, account, listed)
    if setup.fallback_base:
        problems += _static_fallbacks(setup)
    for number, problem in problems:
        print(f"{number}: {problem}")
    checked = len({*setup.packs, *listed} | {n for n in account if points_at(settings_of(account[n]), setup.config.public_base_url)})
    if problems:
        print(f"{len(problems)} problem(s); signpost twilio connect fixes the settings of a number in a pack", file=sys.stderr)
        return 1
    if not checked:
        print("no number on this account sends to PUBLIC_BASE_URL, and SIGNPOST_PACKS names none", file=sys.stderr)
        return 1
    print(f"{checked} number(s) set as the line expects", file=sys.stderr)
    if not setup.fallback_base:
        print("note: the fallbacks are on the line's own host, so they fail with it; see signpost export-fallback", file=sys.stderr)
    return 0


def _diagnose(setup: Setup, account: dict, listed: list[str]) -> list[tuple[str, str]]:
    """(number, what is wrong) for every number the line answers or should."""
    base = setup.config.public_base_url
    ours = set(setup.packs) | set(listed)
    if not setup.packs:
        # One pack for every number: each number that sends here is the line's.
        ours |= {n for n, found in account.items() if points_at(settings_of(found), base)}
    problems = []
    for number in sorted(ours):
        found = account.get(number)
        if found is None:
            problems.append((number, "not a number on this Twilio account"))
            continue
        problems += [(number, d.problem) for d in differences(settings_of(found), setup.wanted(number))]
    for number in sorted(set(account) - ours):
        if points_at(settings_of(account[number]), base):
            problems.append(
                (
                    number,
                    f"sends to this line but is in no pack of SIGNPOST_PACKS: it is answered with the default pack, {setup.default.id}",
                )
            )
    return problems


def _static_fallbacks(setup: Setup) -> list[tuple[str, str]]:
    """(URL, what is wrong) for each static fallback file that is not what
    ``export-fallback`` writes now: missing, unreachable, or stale (a helpline's
    number or hours changed since the files were uploaded)."""
    problems = []
    base = setup.fallback_base.rstrip("/") + "/"
    for relative, twiml in fallback_files(setup.config).items():
        url = base + relative
        try:
            # GET, as Twilio fetches a fallback whose method is GET.
            with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
                served = answer.read()
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
            problems.append((url, f"the static fallback could not be fetched ({exc}); upload what signpost export-fallback writes"))
            continue
        if served != twiml.encode():
            problems.append((url, "the static fallback is not what signpost export-fallback writes now: export again and upload it"))
    return problems


def register(commands) -> None:
    twilio = commands.add_parser("twilio", help="set and check the Twilio numbers the line answers")
    actions = twilio.add_subparsers(dest="action", required=True)
    connect = actions.add_parser("connect", help="set a number's webhooks, fallbacks and methods")
    which = connect.add_mutually_exclusive_group(required=True)
    which.add_argument("number", nargs="?", help="the Twilio number, e.g. +441234567890")
    which.add_argument("--all", action="store_true", help="every number in SIGNPOST_PACKS")
    connect.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    connect.add_argument(
        "--fallback-base",
        metavar="URL",
        default=None,
        help="where export-fallback's files are served (default SIGNPOST_FALLBACK_BASE_URL; "
        "without one, the fallbacks are the line's own /sms/fallback and /voice/fallback)",
    )
    connect.set_defaults(handler=cmd_connect)
    doctor = actions.add_parser("doctor", help="report every number whose settings differ from the line's")
    doctor.add_argument("numbers", nargs="*", metavar="NUMBER", help="numbers to check beyond SIGNPOST_PACKS (a line with one pack)")
    doctor.add_argument(
        "--fallback-base", metavar="URL", default=None, help="where the static fallbacks are expected (default SIGNPOST_FALLBACK_BASE_URL)"
    )
    doctor.set_defaults(handler=cmd_doctor)
