"""A content pack: the guidance as data, loaded, checked and pre-rendered.

A pack is a folder of TOML files (see ``messages/README.md``). Loading it either
gives a complete, valid :class:`Pack` or raises :class:`PackError` listing every
problem with its file and item: the line never serves half a pack. Every SMS page
is rendered when it loads, so a reply that cannot fit its budget is found then,
never cut short in front of a texter.

The parts: ``schema`` (what the TOML may hold), ``model`` (the loaded pack),
``loader`` (reading and checking), ``render_sms`` and ``render_voice``.
"""

from flows.pack.loader import Loader, load_pack
from flows.pack.model import Link, Menu, Number, Pack, PackError, Problem, Topic
from flows.pack.render_voice import spoken_options, spoken_title
from flows.pack.schema import OPTED_OUT, THANKS, VOICE_MAX_OPTIONS, VOICE_SAY, Phrase

__all__ = [
    "OPTED_OUT",
    "THANKS",
    "VOICE_MAX_OPTIONS",
    "VOICE_SAY",
    "Link",
    "Loader",
    "Menu",
    "Number",
    "Pack",
    "PackError",
    "Phrase",
    "Problem",
    "Topic",
    "load_pack",
    "spoken_options",
    "spoken_title",
]
