"""Every SMS page of a pack, rendered once when it loads: the 999 line first, GSM-7,
within its segment budget, or the load fails naming the item."""

from __future__ import annotations

from flows import gsm, page_model, risk_model, templates
from flows.keywords import KeywordIndex
from flows.pack import open_now
from flows.pack.model import Menu, Pack, Topic
from flows.pack.schema import OPTED_OUT
from flows.page_model import PageModel
from flows.render import sms_page
from flows.risk_model import RiskModel
from flows.understand import Understanding

# Twilio's limit for one message body; WhatsApp replies, which have no parts, are held to it.
MESSAGE_MAX = 1600


def sms_menu_page(pack: Pack, menu: Menu) -> str:
    """A menu as a text; its intro and outro may name the pack's numbers ({number.x})."""
    lines = [templates.fill(menu.intro, pack.numbers, pack.links, "sms")] if menu.intro else []
    # Every option names a node: check_references has made sure before rendering.
    lines += [f"{n} {node.title}" for n, o in enumerate(menu.options, 1) if (node := pack.node(o))]
    if menu.outro:
        lines.append(templates.fill(menu.outro, pack.numbers, pack.links, "sms"))
    footer = "" if menu.id == pack.main_menu else pack.footer
    return sms_page("\n".join(lines), footer, menu.reader)


def render_sms(pack: Pack, loader) -> None:
    pages: dict[str, tuple[str, str]] = {}  # page key -> (item ref, page)
    for key, topic in pack.topics.items():
        ref = f"topics.{key}"
        try:
            body = templates.fill(topic.sms, pack.numbers, pack.links, "sms")
        except templates.DanglingReference as exc:
            loader.problem(ref, f"dangling reference: {exc}", key="sms")
            continue
        footer = pack.footer if topic.footer else ""
        pages[key] = (ref, sms_page(body, footer, topic.reader))
        # The same page as it reads while the helplines it names are closed.
        for added in open_now.every_addition(pack, topic.sms, topic.reader):
            variant = f"{body.strip()}\n{open_now.sms_line(pack, added)}"
            pages["+".join((key, *added))] = (ref, sms_page(variant, footer, topic.reader))
    for key, menu in pack.menus.items():
        if menu.channel == "sms":
            try:
                pages[key] = (f"menus.{key}", sms_menu_page(pack, menu))
            except templates.DanglingReference as exc:
                loader.problem(f"menus.{key}", f"dangling reference: {exc}")
    try:
        # Anyone may text STOP, a young person who means the blackmail included: its
        # reply may name the 24-hour lines, from the pack's numbers like any page.
        opted_out = templates.fill(pack.opted_out, pack.numbers, pack.links, "sms")
        pages[OPTED_OUT] = ("sms", sms_page(opted_out, reader="anyone"))
    except templates.DanglingReference as exc:
        loader.problem("sms", f"dangling reference: {exc}", key="opted_out")

    for node_id, (ref, page) in pages.items():
        bad = gsm.non_gsm(page)
        if bad:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in bad)
            loader.problem(ref, f"characters SMS cannot carry in GSM-7: {shown}")
            continue
        if len(page) > MESSAGE_MAX:
            loader.problem(ref, f"the reply is {len(page)} characters; a message (SMS or WhatsApp) holds at most {MESSAGE_MAX}")
        parts, budget = gsm.segments(page), pack.budget(node_id.partition("+")[0])
        if parts > budget:
            loader.problem(
                ref,
                f"SMS takes {parts} parts ({gsm.septets(page)} characters with the 999 line "
                f"and footer); the budget is {budget}"
                + (f" (as it reads while its helplines are closed, naming {node_id.split('+', 1)[1]})" if "+" in node_id else ""),
            )
        pack.sms_variants[node_id] = page
        if "+" not in node_id:
            pack.sms_pages[node_id] = page
    keywords = {}
    nodes: list[Topic | Menu] = [*pack.topics.values(), *pack.menus.values()]
    for node in nodes:
        if node.id in pack.sms_pages:
            keywords.update({word: node.id for word in node.keywords})
    pack.keywords = KeywordIndex(keywords)
    pack.understanding = Understanding(
        page_examples(pack, with_keywords=True),
        keywords,
        # The short question's pages: who is texting, and someone at risk.
        frozenset(pack.menus[pack.unsure_menu].options) if pack.unsure_menu in pack.menus else frozenset(),
        RiskModel.read(loader.path / risk_model.FILE),
        PageModel.read(loader.path / page_model.FILE),
    )
    if pack.pair_question:
        render_pair_questions(pack, loader)


def render_pair_questions(pack: Pack, loader) -> None:
    """A question between every two pages that have a reply word (a page's first keyword,
    "STEPS", "SIGNS"), for a text the line finds close between them: "Which do you need?
    Reply: STEPS for What to do now, DOS for Do and don't". A page's keyword is that
    page from anywhere in a conversation, so the answer needs no state. Never one with the
    at-risk page: a text near it gets the short question, which puts that page first."""
    risk = pack.understanding.risk_page
    worded = [(t.keywords[0], t) for t in pack.topics.values() if t.id != risk and t.keywords and t.id in pack.sms_pages]
    worded = [(word, topic) for word, topic in worded if word.isalpha() and pack.keywords.exact(word) == topic.id]
    for i, (word, first) in enumerate(worded):
        for other, second in worded[i + 1 :]:
            lines = [pack.pair_question, f"{word.upper()} for {first.title}", f"{other.upper()} for {second.title}"]
            page = sms_page("\n".join(lines), pack.footer)
            parts, budget = gsm.segments(page), 1
            if gsm.non_gsm(page) or parts > budget:
                loader.problem(
                    "sms", f"the question between {first.id} and {second.id} takes {parts} parts, not {budget}", key="pair_question"
                )
                continue
            pack.pair_questions[pair_id(first.id, second.id)] = page


def pair_id(first: str, second: str) -> str:
    """The id of the question between two pages, as counted: ``ask:dos:steps``."""
    return ":".join(("ask", *sorted((first, second))))


def page_examples(pack: Pack, with_keywords: bool = False) -> dict[str, list[str]]:
    """Each texted page's example phrasings (and keywords): what free text is matched to."""
    nodes: list[Topic | Menu] = [*pack.topics.values(), *pack.menus.values()]
    found = {node.id: [*node.examples, *(node.keywords if with_keywords else ())] for node in nodes if node.id in pack.sms_pages}
    return {node: texts for node, texts in found.items() if texts}
