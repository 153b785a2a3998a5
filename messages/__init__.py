"""Content packs: the guidance as data, one folder per pack.

Each folder here is a pack (see ``README.md``). Code finds them through
:data:`PACKS_DIR`; the pack a deployment serves by default is :data:`DEFAULT_PACK`.
"""

from pathlib import Path

PACKS_DIR = Path(__file__).resolve().parent
DEFAULT_PACK = "en-GB-coventry"
DEFAULT_PACK_DIR = PACKS_DIR / DEFAULT_PACK
# The texts every pack with example phrasings is measured against (``signpost check``),
# shipped with the packs so that an installed copy measures them too.
EVALUATION_SET = PACKS_DIR / "understand_cases.toml"
