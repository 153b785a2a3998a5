"""Every spoken text of a pack, filled when it loads (numbers digit by digit, never a
link), and the one place a spoken menu choice is worded."""

from __future__ import annotations

from dataclasses import replace

from flows import templates
from flows.keywords import VOICE_COMMANDS, KeywordIndex
from flows.pack.model import Menu, Pack, Topic
from flows.pack.schema import VOICE_DEFAULTS, VOICE_MIN_TIMEOUT, VOICE_SAY, Phrase


def spoken_title(pack: Pack, node_id: str) -> str:
    node = pack.node(node_id)
    return (node.spoken_title or node.title) if node else node_id


# How a choice is offered when a pack has no [voice.say] of its own (its menus are still timed).
DEFAULT_OPTION = "Press {key} for {title}."


def spoken_options(pack: Pack, menu: Menu) -> list[str]:
    """How a voice menu offers its choices, in key order: the pack's ``option`` wording."""
    wording = pack.voice_say.get(Phrase.OPTION, DEFAULT_OPTION)
    return [wording.replace("{title}", spoken_title(pack, option)).replace("{key}", str(n)) for n, option in enumerate(menu.options, 1)]


def render_voice(pack: Pack, loader, table: object) -> None:
    """Check the voice menus and fill every spoken text now, so none fails mid-call."""
    settings = loader.fields("voice", "voice", table)
    if settings is None:
        return
    if settings.get("timeout", VOICE_MIN_TIMEOUT) < VOICE_MIN_TIMEOUT:
        loader.problem("voice", f"timeout must be at least {VOICE_MIN_TIMEOUT} seconds", key="timeout")

    def spoken(ref: str, text: str, key: str) -> str | None:
        try:
            # Line breaks help editors read; a voice needs only the sentences.
            return " ".join(templates.fill(text, pack.numbers, pack.links, "voice").split())
        except templates.LinkInSpeech as exc:
            loader.problem(ref, f"{exc}: offer links by text, never read them out", key=key)
        except templates.DanglingReference as exc:
            loader.problem(ref, f"dangling reference: {exc}", key=key)
        return None

    say = settings["say"]
    for name in VOICE_SAY:
        if not isinstance(say.get(name), str) or not say[name].strip():
            loader.problem("voice", f"[voice.say] needs {name!r} (text)", key="say")
        elif (text := spoken("voice", say[name], "say")) is not None:
            pack.voice_say[name] = text
    for name in say:
        if name not in VOICE_SAY:
            loader.problem("voice", f"[voice.say] has unknown field {name!r}", key="say")
    for key, topic in pack.topics.items():
        if topic.voice and (text := spoken(f"topics.{key}", topic.voice, "voice")) is not None:
            pack.voice_texts[key] = text
            first, _, rest = topic.voice.strip().partition("\n")
            parts = [spoken(f"topics.{key}", part, "voice") for part in (first, rest) if part.strip()]
            pack.voice_parts[key] = tuple(p for p in parts if p)
        if topic.transfer and topic.transfer not in pack.numbers:
            loader.problem(f"topics.{key}", f"transfer {topic.transfer!r} names no number", key="transfer")
        if topic.by_text and topic.by_text not in pack.topics:
            loader.problem(f"topics.{key}", f"by_text {topic.by_text!r} names no topic", key="by_text")

    main = pack.menus.get(settings["main_menu"])
    if main is None or main.channel != "voice":
        loader.problem("voice", f"main_menu {settings['main_menu']!r} is not a voice menu", key="main_menu")
    words: dict[str, str] = {}
    for key, menu in list(pack.menus.items()):
        if menu.channel != "voice":
            continue
        ref = f"menus.{key}"
        if menu.intro and (intro := spoken(ref, menu.intro, "intro")) is not None:
            pack.menus[key] = menu = replace(menu, intro=intro)  # may name a number ({number.x})
        words.update({word: key for word in menu.keywords})
        for option in menu.options:
            node = pack.node(option)
            if isinstance(node, Menu) and node.channel != "voice":
                loader.problem(ref, f"option {option!r} is an SMS menu", key="options")
            elif isinstance(node, Topic) and not node.voice:
                loader.problem(ref, f"option {option!r} has no voice text to say", key="options")
            elif isinstance(node, Topic):
                words.update({word: option for word in node.keywords})
    if not loader.problems:
        # Commands last: "text me the links" is a request, not the links topic.
        words.update({word: f"#{command}" for word, command in VOICE_COMMANDS.items()})
        pack.voice_keywords = KeywordIndex(words)
        pack.voice = {**VOICE_DEFAULTS, **settings}
