"""Whether what a pack says is safe to say: the rules ``signpost check`` holds every page to.

A pack can load, fit every budget and still harm a child: "never keep the images"
reads as "delete them" (evidence gone, and the removal tools stop working); "report
the images" reads as an instruction to staff to handle them; "it is illegal" on a
page a child may read says "you are in trouble". These rules were written after an
independent safeguarding read of the pack (FACTS.md, sections 2, 7 and 8). The
words a pack must never say are the pack's own (``[safety] never_say``), so a
partnership adds to them without code; what every reader's page must carry is the
pack's too (``[safety.readers]``); the rest are the line's:

- ``never-say``: no page, texted or spoken, says a listed phrase (a phrase may be
  listed for some readers only: "illegal" is for professionals' pages alone).
- ``reader-must``: a page for a reader names the numbers and says the words listed
  for that reader (a young person's page: Childline, and that no one reads the texts).
- ``at-risk-numbers``: a page for someone at risk names a phone line open 24 hours and
  a text service open 24 hours (a person who is texting may not be able to talk).
- ``open-helpline``: at every half hour of a week with a weekend and bank holidays in
  it, a page that names helplines with hours names one that is open then, itself or by
  the numbers it adds when they are closed (``flows.pack.open_now``).

Pure: the pack in, findings out. ``flows.check`` reports them; ``flows.review`` lists,
page by page, which rules each page was held to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.pack import Pack
from flows.pack.open_now import added_numbers, keeping_hours, moments
from flows.render import READERS

NEVER_SAY, READER_MUST, AT_RISK_NUMBERS, OPEN_HELPLINE = (
    "never-say",
    "reader-must",
    "at-risk-numbers",
    "open-helpline",
)
AT_RISK = "at_risk"
ANYONE = "anyone"


@dataclass(frozen=True)
class Page:
    """One thing the line says: a topic's text or spoken page, or a spoken phrase."""

    item: str  # "topics.steps", "voice"
    key: str  # the field it comes from: "sms", "voice", or a [voice.say] name
    reader: str
    template: str  # as written, with {number.NAME} references
    said: str  # as sent or spoken, references filled


@dataclass(frozen=True)
class Finding:
    item: str
    key: str
    rule: str
    message: str


def pages(pack: Pack) -> list[Page]:
    """Every page and phrase the line can send or say, with who it is for."""
    found = []
    for topic in pack.topics.values():
        if topic.id in pack.sms_pages:
            found.append(Page(f"topics.{topic.id}", "sms", topic.reader, topic.sms, pack.sms_pages[topic.id]))
        if topic.id in pack.voice_texts:
            found.append(Page(f"topics.{topic.id}", "voice", topic.reader, topic.voice, pack.voice_texts[topic.id]))
    written = pack.voice.get("say", {}) if isinstance(pack.voice.get("say"), dict) else {}
    for name, said in pack.voice_say.items():
        # Between the pages: any caller hears these.
        found.append(Page("voice", name, ANYONE, written.get(name, said), said))
    return found


def rules_for(pack: Pack, page: Page) -> list[str]:
    """The rules ``page`` is held to."""
    rules = [NEVER_SAY]
    if page.reader in _reader_rules(pack):
        rules.append(READER_MUST)
    if page.reader == AT_RISK:
        rules.append(AT_RISK_NUMBERS)
    if keeping_hours(pack, page.template):
        rules.append(OPEN_HELPLINE)
    return rules


def findings(pack: Pack) -> list[Finding]:
    """Every way the pack's pages break the rules; an empty list is a safe pack."""
    found = _settings_problems(pack)
    for page in pages(pack):
        found += _never_say(pack, page)
        found += _reader_must(pack, page)
        if page.reader == AT_RISK:
            found += _at_risk_numbers(pack, page)
        found += _open_helpline(pack, page)
    return found


# --- the pack's own lists --------------------------------------------------------


def _never_say_list(pack: Pack) -> list[dict]:
    entries = pack.safety.get("never_say", [])
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("phrase"), str)] if isinstance(entries, list) else []


def _reader_rules(pack: Pack) -> dict[str, dict]:
    readers = pack.safety.get("readers", {})
    return {r: v for r, v in readers.items() if isinstance(v, dict)} if isinstance(readers, dict) else {}


def _settings_problems(pack: Pack) -> list[Finding]:
    """The [safety] table itself: a rule the line cannot read is no rule."""
    found = []
    entries = pack.safety.get("never_say", [])
    if not isinstance(entries, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("phrase"), str)
        and e["phrase"].strip()
        and isinstance(e.get("why", ""), str)
        and set(e.get("readers", READERS)) <= set(READERS)
        for e in entries
    ):
        found.append(
            Finding("safety", "never_say", NEVER_SAY, "each never_say entry needs a phrase, a why, and readers from " + ", ".join(READERS))
        )
    for reader, rule in _reader_rules(pack).items():
        if reader not in READERS:
            found.append(Finding("safety", "readers", READER_MUST, f"{reader!r} is not a reader ({', '.join(READERS)})"))
        for number in rule.get("must_name", []):
            if number not in pack.numbers:
                found.append(Finding("safety", "readers", READER_MUST, f"{reader}: must_name {number!r} names no number"))
    return found


# --- the rules --------------------------------------------------------------------


def _phrase(phrase: str) -> re.Pattern:
    """A phrase as whole words, any case, any run of spaces or line breaks between them."""
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<![\w])" + r"\s+".join(words) + r"(?![\w])", re.IGNORECASE)


def _never_say(pack: Pack, page: Page) -> list[Finding]:
    found = []
    for entry in _never_say_list(pack):
        if page.reader not in entry.get("readers", READERS):
            continue
        if _phrase(entry["phrase"]).search(page.said):
            why = f": {entry['why']}" if entry.get("why") else ""
            found.append(Finding(page.item, page.key, NEVER_SAY, f"says {entry['phrase']!r}{why}"))
    return found


def _reader_must(pack: Pack, page: Page) -> list[Finding]:
    rule = _reader_rules(pack).get(page.reader)
    if not rule or page.item == "voice":
        return []
    found = []
    named = set(re.findall(r"\{number\.([a-z0-9_]+)\}", page.template))
    for number in rule.get("must_name", []):
        if number not in named:
            found.append(
                Finding(page.item, page.key, READER_MUST, f"a page for reader {page.reader!r} must name {number} ({{number.{number}}})")
            )
    for words in rule.get("must_say", []):
        # A list is one thing said in any of its ways ("no one reads", "no one listens").
        ways = [words] if isinstance(words, str) else list(words)
        if not any(_phrase(way).search(page.said) for way in ways):
            found.append(
                Finding(page.item, page.key, READER_MUST, f"a page for reader {page.reader!r} must say {' or '.join(map(repr, ways))}")
            )
    return found


def _at_risk_numbers(pack: Pack, page: Page) -> list[Finding]:
    named = [pack.numbers[n] for n in re.findall(r"\{number\.([a-z0-9_]+)\}", page.template) if n in pack.numbers]
    always = [n for n in named if n.id in pack.openings and pack.openings[n.id].always and n.id != "emergency"]
    found = []
    if not any(not n.text_service for n in always):
        found.append(
            Finding(
                page.item, page.key, AT_RISK_NUMBERS, 'a page for someone at risk must name a phone line open 24 hours (opening = "always")'
            )
        )
    if not any(n.text_service for n in always):
        found.append(
            Finding(
                page.item,
                page.key,
                AT_RISK_NUMBERS,
                "a page for someone at risk must name a text service open 24 hours (text_service = true)",
            )
        )
    return found


def _open_helpline(pack: Pack, page: Page) -> list[Finding]:
    limited = keeping_hours(pack, page.template)
    if not limited:
        return []
    # A number always open that the page names for its reader keeps it right at any hour.
    suited = set(pack.open_now.get(page.reader, ())) & set(re.findall(r"\{number\.([a-z0-9_]+)\}", page.template))
    if any(pack.openings[n].always for n in suited if n in pack.openings):
        return []
    for at in moments():
        if any(pack.openings[n].is_open(at) for n in limited):
            continue
        if not added_numbers(pack, page.template, page.reader, at):
            when = at.strftime("%A %d %B %Y %H:%M")
            return [
                Finding(
                    page.item,
                    page.key,
                    OPEN_HELPLINE,
                    f"at {when} (UK) every helpline it names is closed and open_now.{page.reader} "
                    "names none open then: add one that is open (pack.toml open_now)",
                )
            ]
    return []
