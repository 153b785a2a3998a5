"""Everything an editor must know about a pack before it is published.

``load_pack`` already refuses a pack the line cannot serve (schema, references,
GSM-7 and segment budgets). A pack can load and still be wrong in front of a
child's protector: a mistyped number, a link that is not https or that goes
through a shortener nobody can vouch for, a page no menu leads to, a voice menu
too long to remember, a fact past its review date. :func:`check_pack` finds those
too, and returns them as errors (the pack must not be published) and warnings (a
human should look), each naming the file, the line where known, and the item.

Pure: it reads the pack's files and nothing else (no Flask, Twilio, Redis or
network), so it runs the same on an editor's laptop and in CI.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from flows import gsm, links, page_model, phones, risk_model, safety
from flows.readability import READING_EASE_MIN, check_reading_ease, reading_ease  # noqa: F401 (tests')
from flows.check_voice import WORDS_PER_MINUTE, check_voice, speaking_seconds  # noqa: F401 (speaking_seconds: the console's)
from flows.evaluation import PASS_ACCURACY, Evaluation, evaluate, load_cases
from flows.model import Channel
from flows.hours import Opening

# The loader's own reader, so that what check finds is named by file and line as the
# loader's problems are.
from flows.pack import Loader, Pack, PackError, Problem, load_pack
from flows.pack.loader import WRITTEN_EXAMPLES
from flows.pack.render_sms import page_examples
from flows.words import words

# Topics no menu offers because the service sends them itself (a caller who asks
# for the links by text gets ``followup``; a static fallback sends ``fallback``).
SERVICE_TOPICS = frozenset(["followup", "fallback"])

RELAY = "relay"
# Relay UK: 18000 reaches 999 by text relay; 18001 goes before any other number.
RELAY_PREFIXES = ("18000", "18001")
KINDS = (*phones.STATED_TYPES, phones.SHORT_CODE, RELAY)


_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*\]")


@dataclass(frozen=True)
class Listed:
    """An item a human must look at: what, where, and why."""

    item: str
    where: str
    note: str


@dataclass
class Report:
    pack_id: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    to_confirm: list[Listed] = field(default_factory=list)
    review_by: list[tuple[dt.date, Listed]] = field(default_factory=list)
    reading_ease: dict[str, float] = field(default_factory=dict)
    speech_seconds: dict[str, int] = field(default_factory=dict)
    words_per_minute: float = WORDS_PER_MINUTE
    topics: int = 0
    links: int = 0
    numbers: int = 0
    # False when the loader refused the pack: the checks that need a whole pack did not run.
    loaded: bool = False
    # How well the pack's examples understand the evaluation set (packs with examples).
    understanding: Evaluation | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"{self.pack_id}: {_count(self.topics, 'topic')}, {_count(self.links, 'link')}, "
            f"{_count(self.numbers, 'number')}, {_count(len(self.warnings), 'warning')}, "
            f"{_count(len(self.errors), 'error')}"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


class _Checker:
    """Records findings with the file and line the loader would name."""

    def __init__(self, path: Path, today: dt.date):
        self.today = today
        # A second read of the files, for line numbers and the raw text: what is
        # stored, before the renderer downgrades anything.
        self.source = Loader(path)
        self.raw = self.source.read()
        self.source.problems.clear()
        found = self.raw.get("pack")
        meta = found if isinstance(found, dict) else {}
        self.report = Report(pack_id=str(meta.get("id") or path.name))

    def _problem(self, item: str, message: str, key: str | None, file: str | None) -> Problem:
        self.source.problem(item, message, file=file, key=key)
        return self.source.problems.pop()

    def error(self, item: str, message: str, key: str | None = None, file: str | None = None):
        self.report.errors.append(self._problem(item, message, key, file))

    def warn(self, item: str, message: str, key: str | None = None, file: str | None = None):
        self.report.warnings.append(self._problem(item, message, key, file))

    def where(self, item: str) -> str:
        file = self.source.origins.get(item, "?")
        line = self.source.line_of(file, item, None)
        return f"{file}:{line}" if line else file


def check_pack(path: str | Path, today: dt.date | None = None, cases: str | Path | None = None) -> Report:
    """Check the pack in folder ``path`` as of ``today``; the report says what to fix.

    ``cases``: an evaluation set of texts (see ``flows.evaluation``) to measure a pack
    with example phrasings against; none, or a file that is not there: not measured.
    """
    path = Path(path)
    checker = _Checker(path, today or dt.date.today())
    report = checker.report
    flagged = _scan_characters(checker)
    try:
        pack = load_pack(path)
    except PackError as exc:
        # The loader's own GSM-7 finding repeats what the scan of the files named
        # with its line; one error per mistake is easier to act on.
        report.errors += [p for p in exc.problems if not ((p.file, p.item) in flagged and "cannot carry in GSM-7" in p.message)]
        report.topics = len(checker.raw.get("topics", {}))
        report.links = len(checker.raw.get("links", {}))
        report.numbers = len(checker.raw.get("numbers", {}))
        return report

    report.pack_id, report.loaded = pack.id, True
    report.topics, report.links, report.numbers = len(pack.topics), len(pack.links), len(pack.numbers)
    _check_reachable(pack, checker)
    check_voice(pack, checker)
    _check_numbers(pack, checker)
    _check_links(pack, checker)
    _check_sources(pack, checker)
    _list_for_review(pack, checker)
    check_reading_ease(pack, checker)
    _check_understanding(pack, checker, cases)
    _check_examples_agree(pack, path, checker)
    _check_risk_model(pack, path, checker)
    _check_page_model(pack, path, checker)
    _check_safety(pack, checker)
    return report


def _train(path: Path) -> str:
    """The command that trains this pack's models: with its folder, as the trainer's
    default is the shipped pack, not the copy an editor checks."""
    return f"signpost train-risk {path}"


def _check_examples_agree(pack: Pack, path: Path, checker: _Checker) -> None:
    """Two pages holding examples the line reads as the same words ("I need to speak to
    someone" on one, "i need to talk to someone" on another): no reading can tell them
    apart, so which page such a message gets is a coin's toss, and each fit of the page
    model may toss it again (independent writers do this: "operator" was the helplines
    for one and *Is anyone there?* for another). The editor keeps each on one page."""
    written = _example_lines(path)
    read_as: dict[str, tuple[str, str]] = {}
    for node, texts in page_examples(pack).items():
        for text in texts:
            key = " ".join(words(text))
            if not key:  # an emoji alone is read by its table, not as words
                continue
            first = read_as.setdefault(key, (node, text))
            if first[0] != node:
                file, line = written.get((node, text), (checker.source.origins.get(_page_item(pack, node), "?"), None))
                other = written.get(first)
                at = f" ({other[0]}:{other[1]})" if other else ""
                checker.report.warnings.append(
                    Problem(
                        file,
                        _page_item(pack, node),
                        f"the example {text!r} reads the same as {first[1]!r}{at}, an example of {first[0]}: "
                        "the line cannot tell them apart, so keep it on one page",
                        line,
                    )
                )


def _example_lines(path: Path) -> dict[tuple[str, str], tuple[str, int]]:
    """Where each page's example is written, (page, text) -> (file, line), found as TOML
    quotes it: the loader keeps a page's examples, not where each came from. In the pack's
    files a page is the table an example sits in; in ``examples/``, the ``page`` after it."""
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for file in [*sorted(path.glob("*.toml")), *sorted((path / WRITTEN_EXAMPLES).glob("*.toml"))]:
        name, page, case = file.relative_to(path).as_posix(), "", None
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if header := _TABLE.match(line):
                page = header.group(1)
            elif case and (named := _PAGE.match(line)):
                found.setdefault((_unquote(named.group(1)), case[0]), (name, case[1]))
            elif written := _TEXT.match(line):
                case = (_unquote(written.group(1)), number)
            elif page:
                for quoted in _QUOTED.finditer(line):
                    found.setdefault((page, _unquote(quoted.group(0))), (name, number))
    return found


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'[^']*'")
_TABLE = re.compile(r"^\s*\[\s*(?:topics|menus)\s*\.\s*(\w+)\s*\]")
_TEXT = re.compile(r"^\s*text\s*=\s*(" + _QUOTED.pattern + r")")
_PAGE = re.compile(r"^\s*page\s*=\s*(" + _QUOTED.pattern + r")")


def _unquote(quoted: str) -> str:
    if quoted.startswith("'"):
        return quoted[1:-1]
    try:
        return tomllib.loads(f"v = {quoted}")["v"]
    except tomllib.TOMLDecodeError:
        return quoted[1:-1]


def _check_risk_model(pack: Pack, path: Path, checker: _Checker) -> None:
    """A pack that writes examples for the risk model must carry a model trained on its
    examples as they are now: an editor's new example does nothing until it is learnt."""
    if not risk_model.example_files(path):
        return
    model = risk_model.RiskModel.read(path / risk_model.FILE)
    risk_page, pages = pack.understanding.risk_page, page_examples(pack)
    examples = risk_model.training_examples(pages, risk_page, path)
    if model is None:
        checker.error(
            "risk model",
            f"the pack has {risk_model.EXAMPLES}/ examples but no {risk_model.FILE}: run {_train(path)}",
            file=risk_model.FILE,
        )
    elif model.trained_on != risk_model.fingerprint(examples):
        checker.error(
            "risk model",
            f"the examples changed since the risk model was trained: run {_train(path)} (it lists what the change does)",
            file=risk_model.FILE,
        )
    else:
        # Risk first: a page's own example the model reads as a crisis gets the at-risk
        # page, not its own. The editor should know, and reword or add a nearer example.
        for node, texts in pages.items():
            item = f"{'topics' if node in pack.topics else 'menus'}.{node}"
            for text in texts:
                if node != risk_page and model.at_risk(text):
                    checker.warn(item, f"the risk model reads the example {text!r} as a crisis: it gets the at-risk page")


def _check_page_model(pack: Pack, path: Path, checker: _Checker) -> None:
    """A page model (flows.page_model) must have learnt the pages' examples as they are
    now: until it has, an editor's new example may not get its own page. A pack without
    one is read by the matcher alone."""
    if not (path / page_model.FILE).is_file():
        return
    model = page_model.PageModel.read(path / page_model.FILE)
    if model and model.trained_on != page_model.fingerprint(page_examples(pack, with_keywords=True)):
        checker.error(
            "page model",
            f"the examples changed since the page model was trained: run {_train(path)} (it lists what the change does)",
            file=page_model.FILE,
        )


def _check_safety(pack: Pack, checker: _Checker) -> None:
    """What a page must never say, and what each reader's page must carry (flows.safety)."""
    for finding in safety.findings(pack):
        checker.error(finding.item, f"unsafe ({finding.rule}): {finding.key}: {finding.message}", key=finding.key)


def _check_understanding(pack: Pack, checker: _Checker, cases: str | Path | None) -> None:
    """A pack whose pages have examples is measured on the evaluation set: below the
    pass mark, or a confident wrong page for a safety case, and it must not ship."""
    has_examples = any(n.examples for n in pack.topics.values()) or any(n.examples for n in pack.menus.values())
    if not has_examples or cases is None:
        return
    if not Path(cases).is_file():
        # Never silently: an editor must know the gate did not run.
        checker.warn("pack", f"understanding not measured: no evaluation set at {cases}")
        return
    result = evaluate(pack, load_cases(cases))
    checker.report.understanding = result
    if result.accuracy < PASS_ACCURACY:
        checker.error(
            "examples",
            f"understands {result.accuracy:.1%} of the evaluation set "
            f"({Path(cases).name}); at least {PASS_ACCURACY:.0%} is needed: add examples",
            file="topics.toml",
        )
    for text, want, got in result.confident_wrong:
        checker.error(
            f"topics.{got}" if got in pack.topics else got,
            f"answers {text!r} with this page, confidently; a person expects {want}: add examples to the right page",
        )


def _scan_characters(checker: _Checker) -> set[tuple[str, str]]:
    """Every character of the files that GSM-7 cannot carry, by line.

    The renderer downgrades curly quotes and dashes when it builds a text, but
    what is stored should be what is sent: an editor reading the file sees the
    character that will arrive.
    """
    flagged = set()
    for file, text in checker.source.texts.items():
        item = "file"
        for number, line in enumerate(text.splitlines(), 1):
            header = _HEADER.match(line)
            if header:
                item = re.sub(r"\s+", "", header.group(1))
            bad = gsm.non_gsm(line)
            if not bad:
                continue
            shown = ", ".join(_describe(c) for c in bad)
            checker.report.errors.append(Problem(file, item, f"characters SMS cannot carry in GSM-7: {shown}", number))
            flagged.add((file, item))
    return flagged


def _describe(c: str) -> str:
    plain = gsm.DOWNGRADES.get(c)
    hint = f" - type {plain!r} instead" if plain else ""
    return f"{c!r} (U+{ord(c):04X}){hint}"


def _check_reachable(pack: Pack, checker: _Checker) -> None:
    """Every topic and menu is offered by a menu a texter (or caller) can reach.

    The way back is structural for SMS: 0 or MENU gives the main menu from any
    page, and every page but the main menu ends with the footer that says so.
    """
    # The menu for texts the line is not sure of, and the page after the at-risk page,
    # are sent by the line itself.
    sent = [pack.unsure_menu, pack.at_risk_again]
    reached = _walk(pack, [pack.main_menu, *(node for node in sent if node)], "sms")
    roots = _voice_roots(pack)
    reached |= _walk(pack, roots, "voice")
    for key in pack.topics:
        # A page with examples is reached by asking for it in words.
        if key not in reached and key not in SERVICE_TOPICS and not pack.topics[key].examples:
            checker.error(f"topics.{key}", "no menu offers this topic, so nobody can reach it")
    for key, menu in pack.menus.items():
        if key not in reached:
            checker.error(f"menus.{key}", f"no {menu.channel} menu offers this menu, so nobody can reach it")
    if not re.search(r"\b(0|menu)\b", pack.footer, re.IGNORECASE):
        checker.warn("sms", "the footer should tell texters how to get back (0 or MENU)", key="footer")


def _walk(pack: Pack, roots: list[str], channel: str) -> set[str]:
    seen, queue = set(), list(roots)
    while queue:
        node = queue.pop()
        if node in seen:
            continue
        seen.add(node)
        menu = pack.menus.get(node)
        if menu and menu.channel == channel:
            queue.extend(menu.options)
        # A topic may name the page a caller is texted for it: that page is in use too.
        topic = pack.topics.get(node)
        if topic and topic.by_text:
            queue.append(topic.by_text)
    return seen


def _voice_roots(pack: Pack) -> list[str]:
    """The voice main menu: the pack's [voice] main_menu, else each voice menu no other offers."""
    named = pack.voice.get("main_menu") if isinstance(pack.voice, dict) else None
    if isinstance(named, str) and named in pack.menus:
        return [named]
    voice = [k for k, m in pack.menus.items() if m.channel == Channel.VOICE]
    offered = {o for k in voice for o in pack.menus[k].options}
    return [k for k in voice if k not in offered]


def _check_numbers(pack: Pack, checker: _Checker) -> None:
    for key, entry in pack.numbers.items():
        ref = f"numbers.{key}"
        if entry.kind not in KINDS:
            checker.error(ref, f"kind {entry.kind!r} is not one of {', '.join(KINDS)}", key="kind")
            continue
        if not _valid_number(entry.number, entry.kind, pack.region):
            checker.error(ref, f"{entry.number!r} is not a valid {entry.kind.replace('_', ' ')} number in {pack.region}", key="number")
        if entry.opening and entry.hours:
            _check_hours_agree(ref, entry, checker)


def _clock(time: dt.time) -> str:
    """10:00 -> 10am, 16:30 -> 4.30pm: how the hours are written for people."""
    hour = time.hour % 12 or 12
    minutes = f".{time.minute:02d}" if time.minute else ""
    return f"{hour}{minutes}{'am' if time.hour < 12 else 'pm'}"


def _check_hours_agree(ref: str, entry, checker: _Checker) -> None:
    """The hours are written twice: words for texts, a table the phone line acts on.

    A change to one and not the other would tell texters one thing and put callers
    through at another, so the words must at least state the table's times.
    """
    try:
        opening = Opening.from_pack(entry.opening)
    except ValueError:
        return  # the loader reports a malformed table
    written = entry.hours.replace(" ", "").casefold()
    # Midnight is how a period starts or ends, not an hour people are told.
    times = {t for p in opening.periods for t in (p.opens, p.closes)} - {dt.time(0), dt.time.max}
    for time in sorted(times):
        if _clock(time) not in written:
            checker.warn(
                ref, f"hours {entry.hours!r} do not say {_clock(time)}, which the opening table gives: change both together", key="hours"
            )


def _valid_number(number: str, kind: str, region: str) -> bool:
    if kind == RELAY:
        prefix, _, rest = number.strip().partition(" ")
        if prefix not in RELAY_PREFIXES:
            return False
        return not rest or any(_valid_number(rest, k, region) for k in KINDS if k != RELAY)
    return phones.is_stated_kind(number, kind, region)


def _check_links(pack: Pack, checker: _Checker) -> None:
    """Every link in [links], and any address typed straight into a text, is safe to send."""
    for key, link in pack.links.items():
        problem = links.problem(link.url, pack.link_domains)
        if problem:
            checker.error(f"links.{key}", problem, key="url")
    known = {link.url for link in pack.links.values()}
    # The pages as sent, so an address typed into a menu or the footer is found too.
    texts = [(_page_item(pack, node), "sms", page) for node, page in pack.sms_pages.items()]
    texts += [(f"topics.{key}", "voice", topic.voice) for key, topic in pack.topics.items()]
    for ref, text_key, text in texts:
        for url in links.URL.findall(text):
            url = url.rstrip(".,;:!?)")
            if url in known:
                continue
            problem = links.problem(url, pack.link_domains)
            advice = "put it in links.toml and write {link.NAME}"
            checker.error(
                ref,
                f"{problem}; {advice}" if problem else f"{url} is typed into the text: {advice}",
                key=text_key if ref.startswith("topics.") else None,
            )


def _page_item(pack: Pack, node_id: str) -> str:
    if node_id in pack.topics:
        return f"topics.{node_id}"
    return f"menus.{node_id}" if node_id in pack.menus else "sms"


def _check_sources(pack: Pack, checker: _Checker) -> None:
    for kind, items in (("topics", pack.topics), ("numbers", pack.numbers), ("links", pack.links)):
        for key, item in items.items():
            if not item.source:
                checker.error(f"{kind}.{key}", "names no source", key="source")


def _list_for_review(pack: Pack, checker: _Checker) -> None:
    report = checker.report
    items = [("pack", pack)] + [
        (f"{kind}.{key}", item)
        for kind, group in (("topics", pack.topics), ("numbers", pack.numbers), ("links", pack.links))
        for key, item in group.items()
    ]
    for ref, item in items:
        confirm = getattr(item, "confirm", "")
        if confirm:
            note = "" if confirm == "yes" else confirm
            report.to_confirm.append(Listed(ref, checker.where(ref), note))
        if item.review_by:
            report.review_by.append((item.review_by, Listed(ref, checker.where(ref), "")))
            if item.review_by < checker.today:
                checker.warn(ref, f"review-by date {item.review_by.isoformat()} has passed", key="review_by")
    report.review_by.sort(key=lambda entry: (entry[0], entry[1].item))
