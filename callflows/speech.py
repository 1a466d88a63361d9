"""Turn what Twilio's speech recognizer heard into digits, A-numbers, ZIP codes and menu choices.

Everything here is pure: text in, value out. Callers on this line read numbers in many ways
("two oh one", "doscientos uno", "201-345-678"), so the number reader follows spoken grammar
closely and refuses anything it cannot read unambiguously: a wrong A-number is worse than
asking again.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "ChoiceMatch",
    "find_choice",
    "match_choice",
    "normalize",
    "parse_a_number",
    "parse_digits",
    "parse_zip",
    "spoken_digit",
]

# Number words, by the kind of part they play in a spoken number.
_UNIT, _WHOLE, _TENS, _HUNDREDS, _HUNDRED, _SCALE, _AND, _REPEAT, _LITERAL = (
    "unit",  # 0-9
    "whole",  # 10-29 said as one word that takes no ones digit ("twelve", "veintidós")
    "tens",  # 20-90, may take a ones digit ("forty five", "cuarenta y cinco")
    "hundreds",  # Spanish 100-900 in one word ("doscientos"), may take 1-99
    "hundred",  # English "hundred", multiplies the digit before it
    "scale",  # thousand, million
    "and",  # "and" / "y" inside a number
    "repeat",  # "double", "triple"
    "literal",  # digits the recognizer wrote as digits
)
_OH = "oh"

# fmt: off
_ENGLISH_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ENGLISH_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                  "nineteen")
_ENGLISH_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# fmt: on
_ENGLISH_WORDS: dict[str, tuple[str, int]] = {
    **{word: (_UNIT, value) for value, word in enumerate(_ENGLISH_DIGITS)},
    **{word: (_WHOLE, value) for value, word in enumerate(_ENGLISH_TEENS, start=10)},
    **{word: (_TENS, value) for value, word in zip(range(20, 100, 10), _ENGLISH_TENS, strict=True)},
    "niner": (_UNIT, 9),
    "fourty": (_TENS, 40),
    "hundred": (_HUNDRED, 100),
    "thousand": (_SCALE, 1_000),
    "million": (_SCALE, 1_000_000),
    "and": (_AND, 0),
    "double": (_REPEAT, 2),
    "triple": (_REPEAT, 3),
}

# fmt: off
_SPANISH_DIGITS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve")
_SPANISH_TEENS = ("diez", "once", "doce", "trece", "catorce", "quince", "dieciseis", "diecisiete", "dieciocho",
                  "diecinueve")
_SPANISH_TWENTIES = ("veintiuno", "veintidos", "veintitres", "veinticuatro", "veinticinco", "veintiseis",
                     "veintisiete", "veintiocho", "veintinueve")
_SPANISH_TENS = ("veinte", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa")
_SPANISH_HUNDREDS = ("dosc", "tresc", "cuatroc", "quin", "seisc", "setec", "ochoc", "novec")
# fmt: on
_SPANISH_WORDS: dict[str, tuple[str, int]] = {
    **{word: (_UNIT, value) for value, word in enumerate(_SPANISH_DIGITS)},
    **{word: (_WHOLE, value) for value, word in enumerate(_SPANISH_TEENS, start=10)},
    **{word: (_WHOLE, value) for value, word in enumerate(_SPANISH_TWENTIES, start=21)},
    **{word: (_TENS, value) for value, word in zip(range(20, 100, 10), _SPANISH_TENS, strict=True)},
    # "doscientos"/"doscientas" ... "quinientos" ... "novecientos".
    **{
        stem + ending: (_HUNDREDS, value)
        for value, stem in zip(range(200, 1000, 100), _SPANISH_HUNDREDS, strict=True)
        for ending in ("ientos", "ientas")
    },
    "un": (_UNIT, 1),
    "una": (_UNIT, 1),
    "veintiun": (_WHOLE, 21),
    "veintiuna": (_WHOLE, 21),
    # Recognizers sometimes split "dieci seis" / "veinti tres".
    "dieci": (_TENS, 10),
    "veinti": (_TENS, 20),
    "cien": (_HUNDREDS, 100),
    "ciento": (_HUNDREDS, 100),
    "mil": (_SCALE, 1_000),
    "millon": (_SCALE, 1_000_000),
    "millones": (_SCALE, 1_000_000),
    "y": (_AND, 0),
}

_BOTH_WORDS = {**_ENGLISH_WORDS, **_SPANISH_WORDS}

# "oh" and "o" are zero only in English and only beside other digits: "two oh one", but
# "oh, it's 201" starts with an interjection.
_ENGLISH_OH = frozenset({"oh", "o"})

# Hesitations carry nothing, in a number or around a key press.
_HESITATIONS = frozenset({"eh", "ah", "uh", "uhh", "um", "umm", "uhm", "er", "erm", "hm", "hmm", "mm", "mmm", "mhm"})

# Words people put around a number; they carry no digits. "a"/"ay" also covers the A of an
# A-number ("A201345678", "ay two oh one...").
# fmt: off
_FILLERS = _HESITATIONS | {
    "a", "ay", "ok", "okay", "yes", "yeah", "sure", "so", "well", "like", "please",
    "my", "his", "her", "their", "our", "your", "the", "an", "this", "that", "thats", "it", "its", "s",
    "i", "im", "m", "think", "let", "me", "see", "is", "was", "number", "numbers",
    "alien", "registration", "id", "zip", "code", "zipcode", "postal", "dash", "letter", "starts", "begins", "with",
    "mi", "su", "tu", "el", "la", "los", "las", "es", "son", "era", "de", "del", "que", "si", "creo",
    "numero", "numeros", "registro", "extranjero", "codigo", "guion", "letra", "empieza", "con",
    "por", "favor", "este", "pues", "bueno",
}

# Words that wrap a single key press: "press two", "oprima dos", "number 3".
_KEY_WORDS = _HESITATIONS | {
    "press", "push", "dial", "hit", "enter", "option", "key", "button", "number", "the", "please",
    "oprima", "oprime", "marque", "marca", "presione", "presiona", "pulse", "pulsa",
    "opcion", "numero", "tecla", "boton", "el", "la", "por", "favor",
}
# fmt: on

_PAUSE = ","
_PAUSE_MARKS = frozenset(",.;:!?")

_FUZZY_THRESHOLD = 0.8
_FUZZY_MIN_LETTERS = 4
_FUZZY_TIE_MARGIN = 0.05


class _NotANumberError(Exception):
    """Raised inside the number reader when words do not form a number."""


@dataclass(frozen=True)
class ChoiceMatch:
    """The phrase list that a speech result matched, and how well."""

    key: str
    score: float
    exact: bool


def normalize(text: str) -> str:
    """Lowercase, strip accents, turn punctuation into spaces and collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn":
            continue
        if category[0] in "PSZC":
            kept.append(" ")
        elif _is_han(char):
            # Chinese is written without spaces: each character counts as a word, so a phrase is
            # found inside an utterance character for character.
            kept.append(f" {char} ")
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def _is_han(char: str) -> bool:
    """A Chinese (Han) character."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def parse_digits(text: str, language: str) -> str | None:
    """Read the digits a caller said or keyed, or None when the text is not clearly a number."""
    items = _lex_number(text, language)
    if not items:
        return None
    try:
        chunks = _read_chunks(items)
    except _NotANumberError:
        return None
    return "".join(chunks) or None


def parse_a_number(text: str, language: str) -> str | None:
    """Read an A-number as 9 digits (8 digits get a leading zero), or None."""
    digits = parse_digits(text, language)
    if digits is None or len(digits) not in (8, 9):
        return None
    return digits.zfill(9)


def parse_zip(text: str, language: str) -> str | None:
    """Read a 5-digit US ZIP code (a ZIP+4 gives its first five digits), or None."""
    digits = parse_digits(text, language)
    if digits is None:
        return None
    if len(digits) == 5:
        return digits
    # Nine digits are a ZIP+4 only when written as one (12345-6789); otherwise they may be an
    # A-number said at the wrong prompt, and the caller should be asked again.
    if len(digits) == 9 and re.search(r"(?<!\d)\d{5}(?:\s*[-\u2013]\s*|\s+)\d{4}(?!\d)", text):
        return digits[:5]
    return None


def spoken_digit(text: str, language: str) -> str | None:
    """Return "0".."9" when the whole utterance is one key press ("two", "oprima dos"), else None."""
    key_words = _KEY_WORDS | _data_words(language, "key_words")
    words = [word for word in _words(text, language) if word != _PAUSE and word not in key_words]
    if len(words) != 1:
        return None
    (word,) = words
    if len(word) == 1 and word.isascii() and word.isdigit():
        return word
    kind, value = _number_words(language).get(word, ("", 0))
    return str(value) if kind == _UNIT else None


def match_choice(text: str, choices: dict[str, list[str]], language: str) -> str | None:
    """Return the key whose phrases best match the utterance, or None if none or several do.

    The phrases are already in the call's language. Single key presses said aloud are the
    caller's job (see spoken_digit) and are not special-cased here.
    """
    match = find_choice(text, choices)
    return match.key if match else None


def heard_danger(text: str, phrases: Iterable[str], alone: Iterable[str], negations: Iterable[str]) -> bool:
    """True when the utterance says the caller is in danger.

    ``phrases`` count anywhere, word for word ("he hit me again"); ``alone`` only as the
    whole utterance ("help", so "help near you" stays a menu choice); a phrase heard only
    inside a negation ("not in danger") does not count.
    """
    words = normalize(text).split()
    if not words:
        return False
    if " ".join(words) in {normalize(word) for word in alone}:
        return True
    return _find_contained(words, {"danger": list(phrases), "safe": list(negations)}) == ["danger"]


def find_choice(text: str, choices: Mapping[str, Iterable[str]]) -> ChoiceMatch | None:
    """Score the utterance against each key's phrases; None when nothing or several keys fit."""
    words = normalize(text).split()
    if not words:
        return None
    contained = _find_contained(words, choices)
    if contained:
        # Phrases heard word for word settle it, even when they leave it ambiguous.
        return ChoiceMatch(contained[0], 1.0, exact=True) if len(contained) == 1 else None
    return _find_fuzzy(words, choices)


def _find_contained(words: list[str], choices: Mapping[str, Iterable[str]]) -> list[str]:
    """Return the keys with a phrase said word for word; a longer phrase beats one inside it."""
    by_words: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    by_letters: dict[str, list[tuple[int, int]]] = {}
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            gram = tuple(words[start:end])
            by_words.setdefault(gram, []).append((start, end))
            by_letters.setdefault("".join(gram), []).append((start, end))
    spans: dict[str, list[tuple[int, int]]] = {}
    for key, phrases in choices.items():
        for phrase in phrases:
            phrase_words = _phrase_words(phrase)
            if not phrase_words:
                continue
            # The recognizer writes "callback" or "call back", "el salvador" or "elsalvador".
            found = by_words.get(phrase_words) or by_letters.get("".join(phrase_words))
            if found:
                spans.setdefault(key, []).extend(found)
    # "not correct" also contains "correct": a key whose every span lies inside another key's
    # longer span was only heard as part of that longer phrase.
    return [
        key
        for key, key_spans in spans.items()
        if not all(
            any(
                other != key and _inside(span, other_span)
                for other, other_spans in spans.items()
                for other_span in other_spans
            )
            for span in key_spans
        )
    ]


def _find_fuzzy(words: list[str], choices: Mapping[str, Iterable[str]]) -> ChoiceMatch | None:
    """Find the key with a phrase closest to some stretch of the utterance, if clearly best."""
    # Phrases by letter count, so each stretch of the utterance is compared only with phrases
    # long enough to reach the threshold (a country list has a thousand phrases).
    by_length: dict[int, list[tuple[str, str, int]]] = {}
    for key, phrases in choices.items():
        for phrase in phrases:
            phrase_words = _phrase_words(phrase)
            letters = "".join(phrase_words)
            # Short words are too easy to confuse ("no"/"yo", "iran"/"iraq").
            if len(letters) >= _FUZZY_MIN_LETTERS:
                by_length.setdefault(len(letters), []).append((key, letters, len(phrase_words)))
    if not by_length:
        return None
    longest_phrase = max(count for bucket in by_length.values() for _, _, count in bucket)
    best: dict[str, float] = {}
    matcher: difflib.SequenceMatcher[str] = difflib.SequenceMatcher(None, autojunk=False)
    seen: set[tuple[str, int]] = set()
    for size in range(1, min(len(words), longest_phrase + 1) + 1):
        for start in range(len(words) - size + 1):
            stretch = "".join(words[start : start + size])
            if (stretch, size) in seen:
                continue
            seen.add((stretch, size))
            matcher.set_seq2(stretch)
            # ratio = 2 * matches / total length, so lengths alone rule most phrases out.
            shortest = math.ceil(len(stretch) * _FUZZY_THRESHOLD / (2 - _FUZZY_THRESHOLD))
            longest = math.floor(len(stretch) * (2 - _FUZZY_THRESHOLD) / _FUZZY_THRESHOLD)
            for length in range(shortest, longest + 1):
                for key, letters, count in by_length.get(length, ()):
                    if abs(count - size) > 1:
                        continue
                    matcher.set_seq1(letters)
                    if matcher.quick_ratio() < _FUZZY_THRESHOLD:
                        continue
                    score = matcher.ratio()
                    if score >= _FUZZY_THRESHOLD and score > best.get(key, 0.0):
                        best[key] = score
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < _FUZZY_TIE_MARGIN:
        return None
    key, score = ranked[0]
    return ChoiceMatch(key, round(score, 3), exact=False)


def _inside(span: tuple[int, int], other: tuple[int, int]) -> bool:
    """Tell whether span lies within other and is shorter."""
    return other[0] <= span[0] and span[1] <= other[1] and span != other


@functools.lru_cache(maxsize=8192)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    """Split a menu or country phrase into normalized words, once per phrase."""
    return tuple(normalize(phrase).split())


def _split_words(text: str) -> list[str]:
    """Split into lowercase accent-free words and digit runs, keeping pauses as ","."""
    folded = "".join(char for char in unicodedata.normalize("NFKD", text.lower()) if unicodedata.category(char) != "Mn")
    words: list[str] = []
    for token in re.findall(r"\w+|[,.;:!?]", folded):
        if token in _PAUSE_MARKS:
            words.append(_PAUSE)
        else:
            # "A201345678" is the letter A then the digits.
            words.extend(re.findall(r"[0-9]+|[^0-9]+", token))
    return words


def _number_words(language: str) -> dict[str, tuple[str, int]]:
    """Return the number words of a call language, or of both when the language is unknown.

    English and Spanish grammar is built in; any other language brings its digit words
    as data (``callflows/prompts/<lang>/_numbers.json``), read digit by digit.
    """
    base = language.split("-")[0].lower()
    if base == "en":
        return _ENGLISH_WORDS
    if base == "es":
        return _SPANISH_WORDS
    numbers = _numbers_data(base)
    if numbers:
        return {word: (_UNIT, int(value)) for word, value in numbers.get("digits", {}).items()}
    return _BOTH_WORDS


@functools.cache
def _numbers_data(base: str) -> dict:
    # The catalogue folder of the language; stdlib only, like the rest of callflows.
    from callflows.catalogue import PROMPTS_DIR

    path = PROMPTS_DIR / base / "_numbers.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _data_words(language: str, name: str) -> frozenset[str]:
    """Extra filler or key words a data language lists (empty for the built-in languages)."""
    base = language.split("-")[0].lower()
    if base in ("en", "es"):
        return frozenset()
    return frozenset(_numbers_data(base).get(name, ()))


def _words(text: str, language: str) -> list[str]:
    """``_split_words``, then, for a language written without spaces, each run cut into known words.

    The longest known word (a digit, a filler, a key word) is taken at each place, so
    "二零一" is three digits and "号码是" a filler and a verb; anything else stays whole.
    """
    words = _split_words(text)
    base = language.split("-")[0].lower()
    numbers = _numbers_data(base) if base not in ("en", "es") else {}
    if numbers.get("split") != "characters":
        return words
    known = set(numbers.get("digits", {})) | set(numbers.get("fillers", ())) | set(numbers.get("key_words", ()))
    longest = max((len(word) for word in known), default=1)
    out: list[str] = []
    for word in words:
        if word.isascii():
            out.append(word)
            continue
        index = 0
        while index < len(word):
            for size in range(min(longest, len(word) - index), 0, -1):
                piece = word[index : index + size]
                if piece in known or size == 1:
                    out.append(piece)
                    index += size
                    break
    return out


class _Item(NamedTuple):
    """One piece of a spoken number: its kind, its value, and the digits of a literal."""

    kind: str
    value: int = 0
    digits: str = ""


def _lex_number(text: str, language: str) -> list[_Item] | None:
    """Turn the utterance into number items; None when a word is neither number nor filler."""
    vocabulary = _number_words(language)
    fillers = _FILLERS | _data_words(language, "fillers")
    base = language.split("-")[0].lower()
    knows_oh = base != "es" and (base == "en" or not _numbers_data(base))
    # A run is a stretch between fillers; "oh" is resolved within its run below.
    runs: list[list[_Item]] = [[]]
    for word in _words(text, language):
        if word == _PAUSE:
            runs[-1].append(_Item(_PAUSE))
        elif word.isascii() and word.isdigit():
            digit_item = _Item(_UNIT, int(word)) if len(word) == 1 else _Item(_LITERAL, 0, word)
            runs[-1].append(digit_item)
        elif word in vocabulary:
            runs[-1].append(_Item(*vocabulary[word]))
        elif knows_oh and word in _ENGLISH_OH:
            runs[-1].append(_Item(_OH))
        elif word in fillers:
            runs.append([])
        else:
            return None
    items: list[_Item] = []
    for run in runs:
        has_number = any(item.kind not in (_OH, _PAUSE, _AND) for item in run)
        heard_before = False
        for position, item in enumerate(run):
            if item.kind == _PAUSE:
                continue
            if item.kind == _OH:
                paused_after = position + 1 < len(run) and run[position + 1].kind == _PAUSE
                interjection = not has_number or (not heard_before and paused_after)
                if not interjection:
                    items.append(_Item(_UNIT, 0))
            else:
                items.append(item)
            heard_before = True
    return items


def _is(items: list[_Item], index: int, kind: str) -> bool:
    """Tell whether the item at index exists and is of the given kind."""
    return index < len(items) and items[index].kind == kind


def _free_digit(items: list[_Item], index: int) -> int | None:
    """Return the digit at index if it may join the number before it, else None."""
    # A digit right before "hundred" belongs to that hundred: "two hundred three hundred".
    if not _is(items, index, _UNIT) or _is(items, index + 1, _HUNDRED):
        return None
    return items[index].value


def _read_chunks(items: list[_Item]) -> list[str]:
    """Read the items left to right; each spoken number contributes its own digits, in order."""
    chunks: list[str] = []
    index = 0
    while index < len(items):
        item = items[index]
        if item.kind == _AND:
            index += 1
        elif item.kind == _LITERAL and not _is(items, index + 1, _SCALE):
            chunks.append(item.digits)
            index += 1
        elif item.kind == _REPEAT:
            digit = _free_digit(items, index + 1)
            if digit is None:
                raise _NotANumberError("double or triple without a digit after it")
            chunks.append(str(digit) * item.value)
            index += 2
        else:
            number, index = _read_cardinal(items, index)
            chunks.append(number)
    return chunks


def _read_cardinal(items: list[_Item], index: int) -> tuple[str, int]:
    """Read one number that may use thousand/million ("dos mil veinte" is 2020)."""
    group, index = _read_group(items, index, after_multiplier=False)
    if group is None and not _is(items, index, _SCALE):
        raise _NotANumberError("a number word that cannot start a number")
    total = 0
    last_scale: int | None = None
    while _is(items, index, _SCALE):
        scale = items[index].value
        if group == 0 or (last_scale is not None and scale >= last_scale):
            raise _NotANumberError("thousands and millions out of order")
        total += (1 if group is None else group) * scale
        last_scale = scale
        group, index = _read_group(items, index + 1, after_multiplier=True)
        if group is not None and group >= scale:
            raise _NotANumberError("a group too large for its place")
    return str(total + (group or 0)), index


def _read_group(items: list[_Item], index: int, *, after_multiplier: bool) -> tuple[int | None, int]:
    """Read a number below a thousand ("doscientos uno", "two hundred one") if one starts here."""
    start = index
    if after_multiplier:
        if _is(items, index, _AND):
            index += 1
        if _is(items, index, _UNIT) and items[index].value == 0:
            # "two thousand oh five": a zero after a multiplier introduces the last digit.
            digit = _free_digit(items, index + 1)
            return (digit, index + 2) if digit else (None, start)
    if index >= len(items):
        return None, start
    item = items[index]
    if item.kind == _LITERAL:
        # Recognizers mix forms: "201 millones 345 mil 678".
        if after_multiplier or _is(items, index + 1, _SCALE):
            return int(item.digits), index + 1
        return None, start
    if item.kind in (_HUNDREDS, _HUNDRED):
        tail, index = _read_tail(items, index + 1)
        return item.value + tail, index
    below = _read_below_hundred(items, index)
    if below is None:
        return None, start
    value, index = below
    if _is(items, index, _HUNDRED):
        if value == 0:
            raise _NotANumberError("zero hundred")
        tail, index = _read_tail(items, index + 1)
        return value * 100 + tail, index
    return value, index


def _read_tail(items: list[_Item], index: int) -> tuple[int, int]:
    """Read the 1-99 that may follow a hundred; (0, index) when none follows."""
    start = index
    if _is(items, index, _AND):
        index += 1
    if _is(items, index, _UNIT) and items[index].value == 0:
        # "one hundred oh five" is 105.
        digit = _free_digit(items, index + 1)
        return (digit, index + 2) if digit else (0, start)
    below = _read_below_hundred(items, index)
    if below is None or below[0] == 0 or _is(items, below[1], _HUNDRED):
        return 0, start
    return below


def _read_below_hundred(items: list[_Item], index: int) -> tuple[int, int] | None:
    """Read 0-99 from a digit, a teen, or tens with an optional ones digit."""
    if index >= len(items):
        return None
    item = items[index]
    if item.kind == _UNIT:
        return item.value, index + 1
    if item.kind == _WHOLE:
        # "diez y seis" is an older spelling of dieciséis.
        if item.value == 10 and _is(items, index + 1, _AND):
            digit = _free_digit(items, index + 2)
            if digit:
                return 10 + digit, index + 3
        return item.value, index + 1
    if item.kind == _TENS:
        after = index + 2 if _is(items, index + 1, _AND) else index + 1
        digit = _free_digit(items, after)
        if digit:
            return item.value + digit, after + 1
        return item.value, index + 1
    return None
