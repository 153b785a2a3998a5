"""Words of crisis: every way the line knows of speaking of suicide or self-harm, made
the one word RISK, which decides the page by itself (risk first: the page for someone
at risk, whatever else the message says, by text and by voice).

People in crisis rarely say "suicide". They say it sideways ("I want to go to sleep and
not wake up", "this is my last message", "goodbye everyone"), in text-speak ("kms",
"want 2 die", "kill my self"), or by the means ("I'm going to take all my pills"). So the
lexicon is built from parts, not listed phrase by phrase: each family below crosses
its verbs with its objects, and ``near`` pairs a verb and a means wherever they fall a
few words apart. A wrong "at risk" costs a professional or a parent one page that
still has 999, the 24-hour numbers and what to do for a child at risk; a missed one
may cost a life. So the families lean wide, and only the idioms of everyday speech
that are not about harm ("dead worried", "my phone died") are kept out.

Kept as tables an editor can read and extend (a safeguarding read of the line found
each family missed at least once); ``tests/flows/crisis_cases.toml`` holds ways of
saying each, and near misses that must not count; ``tests/flows/crisis_written.toml``
ways written by someone who had not seen these tables (``tests/load/crisis_sets.py``
scores any such set).
"""

from __future__ import annotations

from itertools import product

# The tables below are laid out for the editors who read and extend them, a family or a
# kind of phrase a line: the formatter would put one word a line and hide them.
# fmt: off

RISK = "suicide"
# Emoji that stand for a means: read as the word before anything else.
EMOJI = {"\U0001f52a": "knife", "\U0001f48a": "pills", "\U0001faa2": "rope", "\U0001fa78": "bleeding"}

SELVES = ("myself", "himself", "herself", "themselves", "themself", "yourself", "ourselves")
_OWNERS = ("my", "his", "her", "their", "your", "our")
# "kill my self", "hurt him self": written apart, read as one word.
SPLIT_SELVES = {(owner, part): owner + part for owner, part in [
    ("my", "self"), ("him", "self"), ("her", "self"), ("them", "selves"), ("them", "self"),
    ("your", "self"), ("our", "selves")]}
# "want 2 die", "going 2 end it": "2" after these is "to", never a number.
TO_AFTER = frozenset(["want", "wants", "wanted", "going", "need", "needs", "got", "have", "has",
                      "trying", "try", "about", "ready", "deserve", "like", "way"])

_HARM_VERBS = ("kill", "killing", "killed", "kills", "hurt", "hurting", "hurts", "harm", "harming",
               "harms", "cut", "cutting", "cuts", "injure", "injuring", "hang", "hanging", "burn",
               "burning", "starve", "starving", "drown", "hit", "hitting", "punch", "punching", "scratch",
               "scratching", "bang", "banging", "poison", "poisoning", "top", "topping")
_END_VERBS = ("end", "ending", "ended", "ends", "take", "taking", "took", "takes")
_LIVES = (("life",), ("lives",), ("own", "life"), ("own", "lives"))
_WANT = (("want", "to"), ("wants", "to"), ("wanted", "to"), ("going", "to"), ("wanna",),
         ("would", "rather"), ("rather",), ("ready", "to"), ("about", "to"), ("gonna",), ("deserve", "to"))
_BE = ("be", "am", "was", "were", "is", "are")
# Not living: "can't live like this", "don't want to live", "nothing to live for".
_NOT_LIVING = [
    *[(*neg, "live", *more) for neg in [("can", "not"), ("not", "want", "to"), ("not", "wanna"),
                                         ("not", "going", "to"), ("no", "reason", "to"), ("nothing", "to")]
      for more in [(), ("anymore",), ("any", "more"), ("with", "this"), ("like", "this"), ("for",)]],
    ("worth", "living"), ("point", "living"), ("point", "in", "living"), ("not", "be", "alive"),
    ("to", "be", "alive"), ("not", "be", "here", "anymore"), ("no", "longer", "be", "here"),
    ("not", "want", "to", "be", "here"), ("not", "wanna", "be", "here"), ("not", "be", "around"),
    ("will", "not", "be", "around"), ("want", "to", "live"), ("wants", "to", "live"),
    ("reason", "to", "live"), ("rather", "not", "be", "here"),
]
# Dying, wished for or planned: "want to die", "better off dead", "might as well be dead".
_DYING = [
    ("die",), ("unalive",), ("unaliving",), ("suicide",), ("suicidal",), ("suicides",),
    *[(*want, "die") for want in _WANT], *[(*want, "be", "dead") for want in _WANT],
    *[(be, "better", "off", "dead") for be in _BE], ("better", "off", "dead"),
    *[(*wish, be, "dead") for wish in [("wish", "i"), ("as", "well")] for be in ("was", "were", "be")],
    ("rather", "be", "dead"), ("be", "dead"), ("better", "off", "without", "me"),
    ("if", "i", "was", "gone"), ("if", "i", "were", "gone"), ("no", "one", "would", "care"),
    ("no", "one", "would", "miss"), ("no", "one", "will", "miss"), ("sleep", "forever"),
    ("never", "wake", "up"), ("not", "wake", "up"), ("not", "want", "to", "wake", "up"),
    ("not", "wanna", "wake", "up"), ("disappear", "forever"), ("disappeared", "forever"),
    ("just", "disappear"),
]
# Not coping, wanting it over: "can't take it anymore", "I'm done with life".
_OVER = [
    *[("can", "not", verb, it, *more) for verb in ("take", "do", "handle") for it in ("it", "this", "any")
      for more in [("anymore",), ("any", "more"), ()] if it != "any" or more],
    ("can", "not", "go", "on"), ("can", "not", "cope"), ("not", "coping"), ("cope", "anymore"),
    ("cope", "any", "more"), ("no", "point", "anymore"), ("no", "point", "any", "more"),
    ("no", "point", "in", "anything"), ("no", "point", "in", "life"),
    ("the", "point", "anymore"), ("the", "point", "any", "more"), ("point", "of", "anything"),
    *[("want", it, "to", end) for it in ("it", "it all", "everything") for end in ("stop", "end")],
    ("end", "it"), ("end", "it", "all"), ("ending", "it", "all"), ("ended", "it", "all"),
    ("end", "things"), ("end", "everything"),
    *[(done, "with", what) for done in ("done", "finished") for what in ("life", "living", "everything")],
    ("had", "enough", "of", "life"), ("had", "enough", "of", "living"), ("do", "something", "stupid"),
]
# Goodbyes and last words: "goodbye everyone", "this is my last message".
_GOODBYES = [
    *[(bye, who) for bye in ("goodbye", "bye", "farewell") for who in ("everyone", "everybody", "all", "world", "forever")],
    *[(note, kind) for note in ("goodbye", "suicide") for kind in ("note", "message", "letter", "text")],
    ("written", "a", "note"), ("writing", "a", "note"), ("left", "a", "note"),
    *[("my", "last", what) for what in ("message", "text", "call", "night", "day", "words", "goodbye")],
    ("last", "time", "you", "hear"), ("last", "time", "anyone", "hears"),
]
# Hopelessness, being a burden, plans, and giving things away: the warning signs any
# suicide risk assessment lists.
_SIGNS = [
    ("burden",), ("no", "way", "out"), ("see", "a", "way", "out"), ("way", "back", "from", "this"),
    ("me", "dead"), ("happier", "if", "i"), ("happier", "without", "me"),
    *[("if", "i", *just, be, "not", where) for just in [(), ("just",)] for be in ("was", "were")
      for where in ("here", "around")],
    ("will", "not", "be", "here"), ("not", "be", "here", "for"), ("not", "coming", "back"), ("ending", "things"),
    ("drag", "it", "out"), ("life", "is", "ruined"), ("life", "is", "over"), ("better", "off", "without"),
    ("can", "not", "keep", "going"), ("do", "not", "see", "how", "i", "get"), ("tonights", "the", "night"),
    ("tonight", "is", "the", "night"), ("will", "all", "be", "over"),     ("had", "the", "right", "idea"),
    ("getting", "out", "of", "it", "for", "good"), ("ways", "to", "make", "it", "quick"),
    ("make", "it", "quick"), ("i", "can", "keep", "going"), ("last", "thing", "i", "will"),
    ("not", "have", "to", "deal", "with", "it", "after"), ("looking", "up", "how", "many"),
    # Searching for a way: "he's looked up how to do it", "she googled ways to die", "I
    # searched for the quickest way". Not "how to end" ("how to end the chat").
    *[(*search, *how) for search in [("looked", "up"), ("looking", "up"), ("look", "up"), ("searched",),
                                    ("searched", "for"), ("searched", "up"), ("searching",), ("searching", "for"),
                                    ("googled",), ("googling",), ("researched",), ("researching",),
                                    ("reading", "up", "on"), ("read", "up", "on"), ("watching", "videos", "on")]
      for how in [*[(*way, "to", *end) for way in [("how",), ("ways",), ("a", "way"), ("the", "best", "way"),
                                                   ("the", "quickest", "way"), ("the", "easiest", "way")]
                    for end in [("do", "it"), ("die",)]],
                  *[(*way, *go) for way in [("the", "quickest", "way"), ("the", "easiest", "way"), ("a", "way")]
                    for go in [("to", "go"), ("out",)]],
                  ("how", "many", "it", "would", "take"), ("how", "many", "would", "it", "take")]],
    ("searched", "how", "many"), ("searched", "for", "how", "many"),
    ("at", "least", "i", "will", "get", "to", "choose"), ("made", "a", "plan", "and"), ("well", "not", "exist"),
    ("want", "to", "not", "exist"), ("wish", "i", "did", "not", "exist"), ("loads", "of", "pills"),
    ("load", "of", "pills"), ("left", "a", "note", "on"), ("note", "on", "the", "kitchen"),
    ("tired", "of", "living"), ("decided", "what", "i", "am", "going", "to", "do"), ("it", "is", "final"),
    ("not", "going", "to", "be", "around"), ("not", "be", "needing"), ("tired", "of", "life"),
    ("sick", "of", "living"), ("no", "future"),
    ("point", "of", "me"), ("heaven",), ("something", "to", "myself"), ("has", "to", "deal", "with", "me"),
    ("deal", "with", "me", "again"), ("googling", "how", "many"),
        *[("locked", self, "in") for self in SELVES],
    *[(save, *up, mine, dose) for save in ("saving", "saved", "stockpiling", "stockpiled", "collecting")
      for up in [(), ("up",)] for mine in ("my", "his", "her") for dose in
      ("meds", "medication", "pills", "tablets", "medicine", "prescription")],
    *[(*will, "not", "matter", when) for will in [("will",), ("does",), ()] for when in ("soon", "anymore", "any", "more")],
    ("problem", "for", "anyone"), ("around", "much", "longer"), ("here", "much", "longer"),
    ("be", "here", "anymore"), ("can", "not", "be", "here"), ("not", "trust", "myself"),
    ("easiest", "way", "to", "die"), ("easiest", "way", "to", "do", "it", "that"), ("painless",),
    ("planned", "how"), ("plan", "to", "end"),
    ("worked", "out", "a", "way"), ("way", "to", "make", "it", "stop"), ("do", "it", "tonight"),
    ("going", "to", "do", "it", "when"), ("going", "to", "do", "it", "tonight"), ("ending", "it"),
    ("life", "insurance"), ("point", "of", "carrying", "on"), ("point", "in", "carrying", "on"),
    ("relapsed",), ("on", "sh"), ("hate", "myself"), ("had", "enough"),
    ("k", "m", "s"), ("ok", "m", "s"), ("k", "y", "s"), ("ok", "y", "s"), ("had", "enough", "of", "it", "all"),
    ("kys",), ("not", "going", "to", "be", "here"), ("bothered", "to", "live"),
    ("done", "goodbye"), ("everything", "is", "too", "much"), ("any", "way", "out"), ("i", "will", "jump"),
    ("come", "to", "harm"), ("coming", "to", "harm"),
    *[("do", self, "in") for self in SELVES], ("can", "not", "face", "any", "of", "it"), ("can", "not", "face", "anyone"),
    *[(give, *mine, what) for give in ("gave", "given", "giving")
      for mine in [("my",), ("all", "my"), ("his",), ("her",), ("their",), ("all", "his"), ("all", "her"), ()]
      for what in ("stuff", "things", "belongings", "possessions", "cat", "dog", "pet", "pets")],
    ("will", "not", "need", "them"), ("will", "not", "need", "it"), ("nothing", "left", "to", "sort"),
    ("has", "to", "sort", "it", "after"), ("have", "it", "for", "after"),
]
# Farewells and last notes.
_FAREWELLS = [
    ("nice", "knowing", "you"), ("this", "is", "goodbye"), ("goodbye", "really"), ("say", "goodbye"),
    ("look", "after", "the", "kids"), ("look", "after", "mum"),
    ("thanks", "for", "trying"), ("thank", "you", "for", "trying"), ("was", "not", "their", "fault"),
    *[(wrote, *mine, note) for wrote in ("wrote", "written", "writing", "left") for mine in [("my",), ()]
      for note in ("notes", "letters")],
    *[(wrote, "my", "note") for wrote in ("wrote", "written", "writing", "left", "finished")],
    ("sorry", "for", "everything"), ("love", "you", "all"), ("thanks", "for", "being", "a", "good"),
    ("thank", "you", "for", "being", "a", "good"), ("said", "goodbye"), ("says", "goodbye"),
    ("look", "after", "her", "cat"), ("look", "after", "his"), ("look", "after", "her"),
    ("the", "best", "friend", "ever"), ("wasting", "everyones", "time"),
    ("last", "message"), ("last", "msg"), ("last", "text"), ("said", "bye"), ("saying", "goodbye"),
    ("texted", "me", "saying", "goodbye"), ("goodbye", "letters"),     ("left", "his", "phone"),
    ("left", "her", "phone"), ("deleted", "all", "my", "socials"),
    ("hanging",), ("how", "much", "longer", "i", "can"),
    *[(bye, "forever") for bye in ("goodnight", "night", "bye", "goodbye", "gnight")],
    *[("see", *you, "on", "the", "other", "side") for you in [("you",), ("you", "all"), ("yall",), ("ya",), ("u",), ("u", "all")]],
]
# Whole messages that, sent on their own, are a farewell or hopelessness; inside a
# longer message they are everyday ("sorry mum, I broke it", "I'm done with the form").
# Written as people text them; read as the rest of the message is (``words``).
ALONE = [
    "im done", "im so done", "im done now", "done now", "whats the point", "whats the point of it",
    "no point", "theres no point", "i give up", "ive given up", "given up", "sorry mum", "sorry dad",
    "sorry mum and dad", "sorry mum dad", "sorry everyone", "im sorry everyone", "sorry for being me",
    "nothing matters", "nothing matters anymore", "nothing matters now", "nobody can help me",
    "no one can help me", "i want to disappear", "want to disappear", "i wanna disappear", "tired of everything", "so tired of everything",
    "its over", "its all over", "all over now", "forgive me", "please forgive me", "cant anymore",
    "i cant anymore", "i cant do this", "cant do this", "i cant do it anymore", "its too much",
    "its all too much", "too much", "i want out", "want out", "make it stop", "i just want it to stop",
    "no one cares", "nobody cares", "nobody would care", "no one would notice", "bye everyone",
    "goodbye everyone", "night everyone", "love you all",
    "i took them all", "took them all", "ive taken them all", "taken them all", "i took all of them",
    "i took the lot", "took the lot",
]
# Who may be missing, as texted ("my daughter's missing": apostrophes go; "he's missing" is
# read as "he is missing"), with the everyday uses kept out below ("she's missing school").
_MISSING_WHO = ("daughters", "sons", "childs", "kids", "kid", "child", "pupil", "student", "is",
                "are", "boy", "girl", "brothers", "sisters", "grandsons", "granddaughters", "placement",
                "person", "teenager", "teen", "son", "daughter", "lad", "grandson", "granddaughter",
                "nephew", "niece", "brother", "sister")
_MISSED = ("school", "lessons", "lesson", "class", "classes", "lunch", "meals", "out", "something", "some",
           "a", "his", "her", "their", "you", "him", "them", "me", "days", "homework", "work", "the",
           "pictures", "photos", "messages", "money", "deadlines", "registration", "training")
# Self-harm, the means, and danger now, as any risk assessment lists them.
_MEANS = [
    # Single words that, in a message to this line, are about harm or danger now.
    ("wrist",), ("wrists",), ("knife",), ("knives",), ("razor",), ("razors",), ("blade",), ("blades",),
    ("hosepipe",), ("ligature",), ("fatal",), ("lethal",), ("bleach",), ("bleeding",), ("bleed",),
    ("ledge",), ("cliff",), ("rooftop",), ("multi", "storey"), ("train", "platform"),
    ("self", "arm"), ("self", "arming"), ("self", "armed"),  # as the recogniser hears "harm"
    *[(cut, where) for cut in ("cut", "cutting", "cuts") for where in
      ("again", "arms", "arm", "legs", "thighs", "deep", "deeper", "tonight")],
    *[(cut, "my", part) for cut in ("cut", "cutting", "scratched", "scratching", "scratches")
      for part in ("arm", "arms", "wrist", "wrists", "legs", "leg", "thighs", "stomach", "skin")],
    ("scratches", "on"), ("marks", "on", "my"), ("wounds",), ("fresh", "wounds"),
    ("fresh", "marks"), ("cuts", "on"),
    *[(hit, "my", "head") for hit in ("hitting", "hit", "banging", "bang", "smashing")],
    ("drive", "into"), ("driving", "into"), ("crash", "my", "car"), ("drive", "off"),
    *[(step, "in", "front") for step in ("step", "stepping", "walk", "walking", "run", "lie")],
    ("a", "and", "e"), ("a", "e"),
    # Means, by the kinds any suicide risk assessment asks about: ligatures, firearms,
    # drowning, heights, roads and railways, fumes, burning, insulin, not eating.
    ("belt", "tied"), ("tied", "a", "belt"), ("scarf", "round"), ("cord", "round"),
    ("shotgun",), ("gun",), ("cartridges",), ("rifle",),
    ("into", "the", "sea"), ("into", "the", "river"), ("into", "the", "canal"), ("under", "the", "water"),
    ("under", "the", "bath"), ("not", "want", "to", "come", "up"), ("drown",), ("drowning",),
    ("beachy", "head"), ("to", "the", "bridge"), ("edge", "of", "the"), ("roof", "of"), ("top", "of", "the", "car", "park"),
    ("carriageway",), ("motorway",), ("lorries",), ("train", "times"), ("railway",), ("level", "crossing"),
    ("engine", "running"), ("exhaust",), ("fumes",),
    ("burnt", "my"), ("burned", "my"), ("burning", "my"), ("lighter", "again"),
    ("insulin",), ("co", "codamol"), ("codamol",), ("counted", "out"),     ("not", "eaten"), ("have", "not", "eaten"),
    ("stopped", "eating"), ("making", "myself", "sick"),
    ("not", "deserve", "to"), ("not", "deserve", "food"), ("look", "like", "an", "accident"),
    ("sort", "it", "permanently"), ("easier", "this", "way"),     ("decided", "i", "am"),
    ("self", "harm"), ("self", "harming"), ("self", "harmed"), ("selfharm",), ("selfharming",),
    ("self", "injury"), ("taken", "something"), ("took", "something"), ("swallowed", "something"),
    *[(*had, dose) for had in [("had",), ("had", "too", "many"), ("had", "some"), ("how", "many")]
      for dose in ("pills", "tablets", "paracetamol")],
    ("overdose",), ("overdosed",), ("cutting", "again"), ("fresh", "cuts"),
    ("been", "cutting"), ("started", "cutting"), ("paracetamol",), ("rope",), ("noose",),
    ("on", "the", "bridge"), ("train", "tracks"), ("railway", "line"), ("in", "front", "of", "a", "train"),
    *[(*want, "jump") for want in _WANT], ("jump", "off"), ("jumping", "off"), ("jump", "from"),
    ("jumping", "in", "front"), ("jump", "in", "front"),
    ("not", "safe"), ("in", "danger"), ("sos",), ("can", "not", "breathe"), ("cannot", "breathe"),
    ("not", "feel", "safe"), ("scared", "for", "my", "life"),
    ("fear", "for", "my", "life"), ("knows", "where", "i", "live"), ("coming", "round", "to", "my"),
    ("coming", "to", "my", "house"),
    *[(threat, "to", harm, "me") for threat in ("threatening", "threatened", "going", "said", "says")
      for harm in ("kill", "hurt", "stab", "beat")],
    *[(will, harm, "me") for will in ("will", "would", "gonna") for harm in ("kill", "hurt", "stab")],
    ("outside", "my", "house"), ("outside", "my", "door"),
    # Told they will come to the house: danger now, as for "outside".
    ("come", "round", "if"), ("come", "round", "my"), ("come", "to", "my", "house"), ("come", "round", "to", "my"),
    ("in", "crisis"), ("having", "a", "crisis"),
    ("samaritans",), ("sam", "aritans"),
    ("got", "nothing", "left"), ("have", "nothing", "left"), ("nothing", "left", "to", "live"),
    # A child missing is danger now: 999 (FACTS.md, section 2), whoever tells the line.
    *[(who, "missing") for who in _MISSING_WHO], ("gone", "missing"), ("went", "missing"),
    ("go", "missing"), ("reported", "missing"), ("been", "missing"), ("missing", "since"),
    # Missing in all but the word: not where they should be, or gone off.
    ("not", "turned", "up"), ("not", "come", "home"), ("never", "came", "home"), ("not", "came", "home"),
    # Found gone in the night: "his bed's empty", "she's not in her room", "his bed hasn't
    # been slept in". Whose bed it is is said: "a bed empty on the ward" is not.
    *[(whose, bed, *empty) for whose in ("his", "her", "their") for bed in ("bed", "beds", "room", "rooms", "bedroom", "bedrooms")
      for empty in [("is", "empty"), ("empty",), ("was", "empty")]],
    *[(who, be, "not", "in", *bed) for who in ("he", "she", "they") for be in ("is", "was", "are", "were")
      for bed in [("bed",), *[(whose, place) for whose in ("his", "her", "their") for place in ("bed", "room", "bedroom")]]],
    *[("bed", *has, "not", "been", "slept", "in") for has in [("has",), ("had",), ()]],
    *[(run, off) for run in ("run", "ran") for off in ("off", "away")],
    # Into a stranger's car: danger now, as a meeting is.
    *[(got, into, "a", "car", "with", whom) for got in ("got", "get", "getting", "gets") for into in ("into", "in")
      for whom in ("someone", "somebody", "a", "this", "that", "some", "him", "them", "strangers", "stranger")],
    # Gone off to meet someone (from online): danger now, as being told to meet them
    # tonight is. Slipped away to meet or see anyone; gone or left to meet a person, not
    # staff to meet the parents ("went to meet the DSL").
    *[(*off, "to", meet) for off in [("run", "off"), ("ran", "off"), ("gone", "off"), ("went", "off"),
                                      ("snuck", "out"), ("sneaked", "out"), ("sneaking", "out"), ("run", "away")]
      for meet in ("meet", "see")],
    *[(gone, "to", "meet", whom) for gone in ("gone", "went", "left", "going") for whom in
      ("him", "them", "someone", "somebody", "a", "this", "that", "some", "up", "stranger", "strangers")],
]

# Who tells someone off at home or at work, as the phrase reader meets them: a role of
# several words whole ("head teacher", not its last word), "dsl" as text-speak spells it
# out. Work's roles, and the family the tables have long known: not a father, a partner or a
# boyfriend, where "will kill me" may be meant (honour-based abuse, coercive control).
_TELLERS_OFF = [
    (who,) for who in ("mum", "mam", "dad", "mom", "parents", "nan",
                       "gran", "grandma", "wife", "husband", "missus", "head", "headteacher",
                       "teacher", "boss", "manager", "supervisor", "principal", "senco", "coach", "sergeant",
                       "sarge", "inspector", "governors", "ofsted")
] + [tuple(role.split()) for role in ("head teacher", "deputy head", "head of year", "line manager",
                                      "team leader", "designated safeguarding lead", "safeguarding lead",
                                      "school nurse", "class teacher", "form tutor")]

CRISIS_PHRASES: dict[tuple[str, ...], str] = dict.fromkeys([
    *[(verb, self) for verb, self in product(_HARM_VERBS, SELVES)],
    *[(verb, owner, *life) for verb, owner, life in product(_END_VERBS, _OWNERS, _LIVES)],
    *[tuple(" ".join(p).split()) for p in [*_NOT_LIVING, *_DYING, *_OVER, *_GOODBYES, *_SIGNS, *_FAREWELLS,
                                           *_MEANS]],
], RISK)
# Everyday words that only sound like crisis: a phone or a battery that dies, a knife
# in the kitchen, an overdose of screen time.
NOT_CRISIS: dict[tuple[str, ...], str] = {
    **dict.fromkeys([("had", "enough", "of", "it"), ("not", "safe", "to"), ("sorry", "to", "bother"),
                     # "My mum will kill me", "our head will kill me if I get this wrong": a
                     # family's or a workplace's telling-off, not a threat (a stranger's or an
                     # offender's "will kill me" stays one).
                     *[(*who, *will, "kill", "me") for who in _TELLERS_OFF
                       for will in [("will",), ("would",), ("is", "going", "to"), ("are", "going", "to"),
                                    ("going", "to"), ("is", "gonna"), ("gonna",)]],
                     # Staff of a hospital's emergency department, not someone taken there.
                     *[(*ae, role) for ae in (("a", "and", "e"), ("a", "e")) for role in
                       ("nurse", "doctor", "consultant", "staff", "receptionist", "sister", "practitioner", "triage")],
                     *[(work, "in", *ae) for ae in (("a", "and", "e"), ("a", "e")) for work in ("work", "works", "working")],
                     ("fatal", "error"), ("fatal", "exception"), ("shot", "myself", "in", "the", "foot"),
                     ("knife", "crime"), ("end", "it", "with"), ("ending", "it", "with"),
                     *[(who, "missing", what) for who in _MISSING_WHO for what in _MISSED],
                     *[(gone, "missing", what) for gone in ("gone", "went", "been") for what in _MISSED],
                     ("have", "gone", "missing"),  # things: "messages have gone missing"
                     ("not", "in", "crisis"),
                     # Staff meeting one another: "we're meeting the parents tonight".
                     ("meeting", "with"), *[("meeting", whose, who) for whose in ("the", "his", "her", "their")
                                            for who in ("parents", "parent", "mum", "dad", "dsl", "head", "team")],
                     ("warning", "signs", "of", "self", "harm"),
    ("literally", "going", "to", "die"), ("cut", "my", "hair"),
                     # Idioms of embarrassment; not "I could die of shame", which on this line
                     # may be the very risk.
                     *[(could, "die", "of", what) for could in ("could", "nearly", "almost") for what in ("embarrassment", "laughing")],
                     *[(nearly, "died", "of", what) for nearly in ("nearly", "almost") for what in ("embarrassment", "shame", "laughing")],
                     *[("self", "harm", what) for what in ("awareness", "training", "policy", "leaflet", "briefing")],
                     *[(dose, "for", "my", pain) for dose in ("paracetamol", "ibuprofen", "tablets", "pills")
                       for pain in ("headache", "head", "period", "back", "cold", "tooth", "toothache")],
                     ("ran", "off", "a"), ("run", "off", "a"), ("run", "off", "some"), ("run", "off", "copies"),
                     ("kitchen", "knife"), ("bread", "knife"), ("butter", "knife"), ("overdose", "of", "screen"),
                     ("hanging", "out"), ("hanging", "around"), ("hanging", "on"),
                     ("left", "his", "phone", "at"), ("left", "her", "phone", "at"),
                     # Staff meeting one another, not a child told to meet someone.
                     ("meet", "with"), ("meet", "to", "discuss"),
                     *[("meet", whose, who) for whose in ("the", "his", "her", "their")
                       for who in ("parents", "parent", "mum", "dad", "dsl", "head", "team")]], "everyday"),
    **{(device, *about, die): "device"
       for device in ("battery", "batterys", "phone", "phones", "charge", "laptop")
       for about in [("is", "about", "to"), ("about", "to"), ("is", "going", "to"), ("going", "to"), ("is",), ()]
       for die in ("die", "died", "dying", "dead")},
}

# A means taken, or a leap, wherever the words fall a few apart ("take all my pills",
# "my dad's pills here and I keep thinking about taking them all", "thinking about
# jumping in front of a bus"): a word of each set of a pair, within NEAR words either
# way, is RISK.
NEAR = 8
_TAKE = frozenset(["take", "taken", "took", "taking", "swallow", "swallowed", "swallowing", "downed",
                   "necked", "eat", "ate", "overdose", "od", "lined", "drunk", "drank", "all", "hand",
                   "holding", "counted", "saved"])
_DOSES = frozenset(["pills", "tablets", "paracetamol", "painkillers", "ibuprofen",
                    "antidepressants", "co", "codeine", "parasite"])
_LEAP = frozenset(["jump", "jumping", "jumped", "leap", "throw", "throwing"])
_FROM = frozenset(["off", "front", "bridge", "platform", "train", "bus", "building", "roof", "window",
                   "ledge", "cliff", "car", "storey", "tracks", "motorway", "lorry"])
# "tell everyone I'm sorry", "tell my mum I'm sorry": an apology passed on is a farewell;
# so is an apology with a goodbye ("sorry everyone. bye", "sorry for all of it, goodbye").
_TELL = frozenset(["tell", "telling", "tel", "love", "bye", "goodbye", "byee"])
# "Love" signs off a farewell ("sorry mum love from ellie", "sorry. love you all"); straight
# after an apology or thanks and before a question or "I" it is how the English address
# anyone ("sorry love, I don't know what to press", "thanks love can you...").
_ADDRESSED_AFTER = frozenset(["sorry", "thanks", "cheers", "ta", "ok", "okay"])
_ADDRESS_BEFORE = frozenset(["i", "im", "can", "could", "what", "wrong", "where", "who", "how", "which", "is", "do", "does",
                             "dont", "not"])
_SORRY = frozenset(["sorry", "saidsorry"])
# A note found or left ("found a note on his pillow", "there's a letter on her bed") that
# says sorry within a few words ("saying she was sorry", "it says im sorry") is a farewell;
# a letter sent or written to someone ("the school sent a letter home saying sorry") is not.
_NOTE = frozenset(["note", "notes", "letter", "letters"])
_NOTE_FOUND = frozenset(["found", "find", "finding", "left", "discovered"])
_NOTE_WHERE = frozenset(["pillow", "desk", "bed", "bedside", "table", "kitchen", "door", "mirror", "side"])
_SAYING = frozenset(["saying", "says", "said", "reads", "read", "just", "only", "written"])
_FOUND_NOTE = frozenset(["foundnote"])
_SAID_SORRY = frozenset(["saidsorry"])
# Told to meet them now: "meet them at the station now or they post my video", "he wants
# to meet her tonight". Danger now, whoever writes: the at-risk page says don't go, stay
# with an adult, call 999 (FACTS.md, section 2). "Meeting" counts only as a verb, after a
# word that makes it one ("she's meeting him tonight"): it is a noun too ("a meeting today").
_MEET = frozenset(["meet", "meetup", "meat"])  # "meat": the slip phones make of it
_MEETING_AFTER = frozenset(["is", "s", "are", "was", "were", "been", "be", "hes", "shes", "theyre",
                            "im", "going", "planning"])
_NOW = frozenset(["now", "tonight", "tonite", "2nite", "today", "rn", "asap", "later"])
NEAR_PAIRS = ((_TAKE, _DOSES), (_LEAP, _FROM), (_TELL, _SORRY), (_FOUND_NOTE, _SAID_SORRY), (_MEET, _NOW))


def near(said: list[str]) -> bool:
    """Whether words of a pair of NEAR_PAIRS fall within NEAR words of each other."""
    said = ["meet" if w == "meeting" and i and said[i - 1] in _MEETING_AFTER else w for i, w in enumerate(said)]
    said = ["dear" if w == "love" and said[i - 1 : i] and said[i - 1] in _ADDRESSED_AFTER and said[i + 1 : i + 2]
            and said[i + 1] in _ADDRESS_BEFORE else w for i, w in enumerate(said)]
    said = ["saidsorry" if w == "sorry" and _SAYING & set(said[max(i - 3, 0):i]) else w for i, w in enumerate(said)]
    said = ["foundnote" if w in _NOTE and (_NOTE_FOUND & set(said[max(i - 4, 0):i]) or _NOTE_WHERE & set(said[i + 1:i + 5]))
            else w for i, w in enumerate(said)]
    for first, second in NEAR_PAIRS:
        for i, word in enumerate(said):
            if word in first and not second.isdisjoint(said[max(i - NEAR, 0):i + 1 + NEAR]):
                return True
    return False


def joined(said: list[str]) -> list[str]:
    """"my self" as "myself", and "2" as "to" after a verb of wanting ("want 2 die")."""
    out: list[str] = []
    for word in said:
        if out and (out[-1], word) in SPLIT_SELVES:
            out[-1] = SPLIT_SELVES[(out[-1], word)]
        elif word == "2" and out and out[-1] in TO_AFTER:
            out.append("to")
        else:
            out.append(word)
    return out
