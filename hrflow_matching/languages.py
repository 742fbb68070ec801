"""Language names as HrFlow.ai holds them, and the ISO 639-1 codes a CRM usually stores.

HrFlow.ai's documents and filters carry language *names* (``{"name": "english"}`` in every
example of its API reference and SDKs, and in the profiles its parser returns), not ISO codes.
A CRM, a recruiter's form and our own demo store ``en``, ``English`` or ``anglais``. Everything
that builds a document or a filter for HrFlow.ai goes through :func:`language_name`, and the
local engine compares languages by :func:`language_code`, so ``en``, ``English``, ``english``
and ``anglais`` are one language everywhere.

A base module (no Django, no backend import): documents, adapters and both backends use it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: ISO 639-1 code -> the English, lower-case name HrFlow.ai uses.
NAMES: dict[str, str] = {
    "en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian",
    "pt": "portuguese", "nl": "dutch", "pl": "polish", "ru": "russian", "zh": "chinese",
    "ja": "japanese", "ar": "arabic", "hi": "hindi", "ko": "korean", "sv": "swedish",
    "da": "danish", "no": "norwegian", "fi": "finnish", "tr": "turkish", "el": "greek",
    "cs": "czech", "ro": "romanian", "hu": "hungarian", "he": "hebrew", "uk": "ukrainian",
    "vi": "vietnamese", "ca": "catalan", "bg": "bulgarian", "hr": "croatian", "sk": "slovak",
    "sl": "slovenian", "sr": "serbian", "lt": "lithuanian", "lv": "latvian", "et": "estonian",
    "fa": "persian", "id": "indonesian", "ms": "malay", "th": "thai", "bn": "bengali",
    "ur": "urdu", "ta": "tamil", "sw": "swahili", "ga": "irish", "eu": "basque",
}  # fmt: skip

#: Other names a recruiter or a parsed resume may use (French, native, older spellings), in
#: the folded form :func:`_fold` gives them. A French resume parses to ``anglais``.
ALIASES: dict[str, str] = {
    # French
    "anglais": "en", "francais": "fr", "allemand": "de", "espagnol": "es", "italien": "it",
    "portugais": "pt", "neerlandais": "nl", "hollandais": "nl", "polonais": "pl",
    "russe": "ru", "chinois": "zh", "japonais": "ja", "arabe": "ar", "coreen": "ko",
    "suedois": "sv", "danois": "da", "norvegien": "no", "finnois": "fi", "turc": "tr",
    "grec": "el", "tcheque": "cs", "roumain": "ro", "hongrois": "hu", "hebreu": "he",
    "ukrainien": "uk", "vietnamien": "vi", "catalan": "ca", "basque": "eu",
    # native names and common variants
    "deutsch": "de", "espanol": "es", "castellano": "es", "castilian": "es",
    "italiano": "it", "portugues": "pt", "nederlands": "nl", "flemish": "nl", "polski": "pl",
    "mandarin": "zh", "cantonese": "zh", "farsi": "fa", "svenska": "sv", "dansk": "da",
    "norsk": "no", "suomi": "fi", "turkce": "tr", "cesky": "cs", "cestina": "cs",
    "magyar": "hu", "romana": "ro",
}  # fmt: skip

_BY_NAME = {name: code for code, name in NAMES.items()}
_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$")  # en, EN, en-GB, pt_BR, zh-Hant


def _fold(value: str) -> str:
    """Lower case, accents off, inner spaces single: ``"  Français "`` -> ``"francais"``."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


@lru_cache(maxsize=4096)
def language_code(value: str | None) -> str:
    """ISO 639-1 code of a language name or code: ``"English"``, ``"anglais"``, ``"en-GB"``
    -> ``"en"``. A language we do not know keeps its folded spelling (it still equals
    itself), and a blank value is ``""``."""
    key = _fold(value or "")
    if not key:
        return ""
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key in ALIASES:
        return ALIASES[key]
    match = _CODE.match(key)
    if match and (match.group(1) in NAMES or key == match.group(1)):
        return match.group(1)
    return key


def language_name(value: str | None) -> str:
    """The name HrFlow.ai holds for a language name or code: ``"en"``, ``"English"``,
    ``"anglais"`` -> ``"english"``. An unknown language is sent as typed, in lower case."""
    code = language_code(value)
    return NAMES[code] if code in NAMES else " ".join((value or "").lower().split())
