"""The prompt catalogue: every sentence a caller hears or a texter reads, per language.

Each language is a folder under ``callflows/prompts/`` holding ``_meta.json``
(its name, order and Twilio voice settings) and any number of JSON files of
``key -> text`` (or ``key -> [words]`` for spoken synonyms). Adding a language
is adding a folder: no code changes.

Files whose name starts with ``_`` are data about the language, not sentences:
``_glossary.json`` (one word per concept, checked by ``flask callflow check``),
``_numbers.json`` (the number words the speech parser reads, for languages it
does not know itself) and ``_review.json`` (the sentences a native speaker has
reviewed, for a language whose ``_meta.json`` says ``"review": "needed"``).
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
# Operators hear whispers, summaries and apologies in the hotline's working language.
OPERATOR_LANGUAGE = "en"


class MissingPrompt(KeyError):
    """A prompt key is not in the catalogue for a language."""


@dataclass(frozen=True)
class Language:
    """A language of the catalogue and how Twilio should speak and hear it."""

    code: str
    name: str
    order: int
    voice: str
    say_language: str
    speech_language: str
    # SSML <prosody rate> for slower speech, where the voice supports it (Polly voices do); None: plain <Say>.
    slow_rate: str | None = None
    # "needed": the translation awaits a native reviewer (the reviewed keys are in _review.json).
    review: str | None = None


@dataclass(frozen=True)
class Ref:
    """A prompt parameter that is itself a prompt key, rendered in the same language."""

    key: str


class Catalogue:
    """Prompts by language and key."""

    def __init__(
        self,
        languages: list[Language],
        entries: dict[str, dict[str, Any]],
        data: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.languages = sorted(languages, key=lambda lang: lang.order)
        self.entries = entries
        # Per language: the "_name.json" data files by name ("glossary", "numbers", "review").
        self.data = data or {}
        self.codes = tuple(lang.code for lang in self.languages)
        self.default = self.codes[0]
        self._placeholders: dict[str, dict[str, set[str]]] = {}

    @classmethod
    def load(cls, root: Path = PROMPTS_DIR) -> Catalogue:
        """Read every language folder under ``root``."""
        languages, entries, data = [], {}, {}
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
            meta = json.loads((folder / "_meta.json").read_text(encoding="utf-8"))
            languages.append(Language(code=folder.name, **meta))
            data[folder.name] = {
                file.stem[1:]: json.loads(file.read_text(encoding="utf-8"))
                for file in sorted(folder.glob("_*.json"))
                if file.name != "_meta.json"
            }
            merged: dict[str, Any] = {}
            for file in sorted(folder.glob("*.json")):
                if file.name.startswith("_"):
                    continue
                for key, value in json.loads(file.read_text(encoding="utf-8")).items():
                    if key in merged:
                        raise ValueError(f"{folder.name}: prompt {key!r} defined twice ({file.name})")
                    merged[key] = value
            entries[folder.name] = merged
        return cls(languages, entries, data)

    def language(self, code: str | None) -> Language:
        """The language for ``code``, or the default language."""
        for lang in self.languages:
            if lang.code == code:
                return lang
        return self.languages[0]

    def resolve(self, code: str | None) -> str:
        """A known language code (the default for unknown or missing codes)."""
        return code if code in self.entries else self.default

    def text(self, code: str, key: str, params: dict[str, Any] | None = None) -> str:
        """The sentence ``key`` in language ``code`` with ``params`` filled in."""
        try:
            template = self.entries[code][key]
        except KeyError:
            raise MissingPrompt(f"{code}:{key}") from None
        if not isinstance(template, str):
            raise MissingPrompt(f"{code}:{key} is a word list, not a sentence")
        if not params:
            return template
        values = {name: self.text(code, v.key) if isinstance(v, Ref) else v for name, v in params.items()}
        return template.format_map(_Defaulting(values))

    def words(self, code: str, key: str) -> list[str]:
        """The spoken synonyms listed under ``key`` (empty when none)."""
        value = self.entries.get(code, {}).get(key, [])
        return list(value) if isinstance(value, list) else [value]

    def has(self, code: str, key: str) -> bool:
        """True when ``key`` exists in language ``code``."""
        return key in self.entries.get(code, {})

    def missing(self, keys: set[str] | None = None) -> list[str]:
        """``lang:key`` for every key present in one language but not another (or not at all)."""
        wanted = set(keys or ())
        for entries in self.entries.values():
            wanted |= set(entries)
        return sorted(f"{code}:{key}" for code in self.codes for key in wanted if key not in self.entries[code])

    def unreviewed(self, code: str) -> list[str]:
        """The sentences of ``code`` that await a native reviewer (empty unless its meta says so)."""
        if self.language(code).review != "needed" or code not in self.entries:
            return []
        reviewed = set(self.data.get(code, {}).get("review", {}).get("reviewed", ()))
        return sorted(
            key for key, value in self.entries[code].items() if isinstance(value, str) and key not in reviewed
        )

    def placeholders(self, key: str) -> dict[str, set[str]]:
        """The ``{name}`` fields each language's ``key`` uses."""
        if key in self._placeholders:
            return self._placeholders[key]
        out = {}
        for code in self.codes:
            template = self.entries[code].get(key)
            if isinstance(template, str):
                out[code] = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        self._placeholders[key] = out
        return out


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        raise MissingPrompt(f"parameter {key!r}")


@cache
def catalogue() -> Catalogue:
    """The catalogue shipped in ``callflows/prompts`` (loaded once)."""
    # Read at call time, so a test can point it at a generated folder (a pseudo-language) and clear the cache.
    return Catalogue.load(PROMPTS_DIR)
