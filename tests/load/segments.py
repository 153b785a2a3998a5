"""What the SMS line costs: the parts of every page, and of a typical conversation.

    make segments         (or: .venv/bin/python tests/load/segments.py [PACK_DIR])

Every reply is counted by ``flows.gsm.segments`` exactly as the pack loader budgets
it (GSM-7, 160 septets in one part, 153 a part after that, a two-septet character
never split). The conversation is a new texter's usual path through the menu:
hi (the menu), 1 (the steps), 0 (the menu again), 3 (helplines), 4 (image removal),
taken turn by turn through the SMS flow from a fresh session, at 11am on a weekday
and at 11pm (when pages whose helplines are closed name one open then, so cost more).
Every way a page can read out of hours is listed with its parts too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import datetime as dt  # noqa: E402

from flows import Event, Session, gsm, step  # noqa: E402
from flows.pack import load_pack  # noqa: E402
from messages import DEFAULT_PACK_DIR  # noqa: E402

CONVERSATION = ("hi", "1", "0", "3", "4")
# The conversation's ceiling. The steps page is 4 parts and the links page 3, so that each
# says whole what never to do with images and that nothing is deleted (independent
# safeguarding content reads); the main menu, sent twice, is one part with six choices.
CONVERSATION_MAX = 11
MOMENTS = {"11am": dt.datetime(2026, 11, 24, 11, tzinfo=dt.timezone.utc), "11pm": dt.datetime(2026, 11, 24, 23, tzinfo=dt.timezone.utc)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pack_dir", nargs="?", default=str(DEFAULT_PACK_DIR))
    pack = load_pack(parser.parse_args().pack_dir)

    print(f"{'page':<40} {'parts':>5} {'budget':>6} {'septets':>7}")
    for key, page in sorted(pack.sms_variants.items(), key=lambda item: (-gsm.segments(item[1]), item[0])):
        node = key.partition("+")[0]
        print(f"{key:<40} {gsm.segments(page):>5} {pack.budget(node):>6} {gsm.septets(page):>7}")

    worst = 0
    for name, at in MOMENTS.items():
        print(f"\nconversation {' / '.join(CONVERSATION)} at {name}:")
        session, total = Session(), 0
        for text in CONVERSATION:
            reply, session = step(pack, session, Event("text", text, at=at))
            parts = gsm.segments(reply.text)
            total += parts
            print(f"  {text:<4} -> {reply.node:<12} {parts} parts")
        print(f"  total {total} parts (at most {CONVERSATION_MAX})")
        worst = max(worst, total)
    return 0 if worst <= CONVERSATION_MAX else 1


if __name__ == "__main__":
    sys.exit(main())
