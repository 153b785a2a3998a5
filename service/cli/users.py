"""``signpost users add|list|password|remove``: the accounts that may log in to the console.

The password is read from standard input (hidden at a terminal, the first line of
a pipe), never from the command line, where other users of the machine and the
shell's history would see it.
"""

from __future__ import annotations

import argparse
import getpass
import sys

import redis

from service.config import Config, ConfigError
from service.web.console.accounts import AccountError, Accounts
from service.state import connection

REDIS_TIMEOUT = 5.0


def _accounts() -> Accounts:
    config = Config.from_env()
    return Accounts(connection.client(config, timeout=REDIS_TIMEOUT), config.hash_key)


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Same again: ") != first:
            raise AccountError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    try:
        accounts = _accounts()
        if args.action == "add":
            name = accounts.add(args.name, read_password())
            print(f"Added {name}: they can log in at /console/login.")
        elif args.action == "password":
            accounts.change_password(args.name, read_password())
            print(f"Changed the password of {args.name.strip().lower()}; every session they had has ended.")
        elif args.action == "remove":
            if not accounts.remove(args.name):
                print(f"signpost: no account called {args.name}", file=sys.stderr)
                return 1
            print(f"Removed {args.name.strip().lower()}.")
        else:
            names = accounts.names()
            print("\n".join(names) if names else "No accounts yet: signpost users add NAME")
    except (AccountError, ConfigError) as exc:
        print(f"signpost: {exc}", file=sys.stderr)
        return 2
    except redis.RedisError as exc:
        print(f"signpost: cannot reach Redis ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    return 0


def register(commands) -> None:
    users = commands.add_parser("users", help="accounts for the web console (add, list, remove)")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add an account; the password is read from standard input")
    add.add_argument("name")
    actions.add_parser("list", help="the accounts' names")
    password = actions.add_parser("password", help="a new password, read from standard input (every open session of the account ends)")
    password.add_argument("name")
    remove = actions.add_parser("remove", help="remove an account (its open sessions end at their next page)")
    remove.add_argument("name")
    users.set_defaults(handler=cmd_users)
