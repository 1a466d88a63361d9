"""Translators' PO files for the prompt catalogue, read and written with Babel.

One message per sentence: the English sentence is the ``msgid``, the translation
the ``msgstr``, the catalogue key the ``msgctxt``. A sentence with ``{fields}`` is
flagged ``python-brace-format`` (PO editors then check the braces) and carries one
``placeholder-<name>`` flag per field. Spoken synonyms are one message whose
words are separated by `` | ``. A sentence awaiting a native reviewer is ``fuzzy``;
a translator who clears the flag marks it reviewed.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable
from pathlib import Path

from babel.core import UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from callflows.catalogue import Catalogue

SOURCE_LANGUAGE = "en"
WORD_SEPARATOR = " | "
FORMAT_FLAG = "python-brace-format"
PLACEHOLDER_FLAG = "placeholder-"
FUZZY = "fuzzy"


class PoFileRefused(ValueError):
    """The PO file does not fit the catalogue; the message says which sentence and why."""


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a sentence (a ValueError for a malformed one)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def export_po(cat: Catalogue, lang: str, out: Path) -> int:
    """Write every sentence of ``lang`` with its English source to ``out``; the number of messages."""
    if lang not in cat.codes:
        raise PoFileRefused(f"no language {lang!r} in the catalogue (languages: {', '.join(cat.codes)})")
    catalog = Catalog(locale=_locale(lang), project="VOICE hotline prompts", fuzzy=False)
    if catalog.locale is None:
        catalog.language_team = lang
    unreviewed = set(cat.unreviewed(lang))
    source, target = cat.entries[SOURCE_LANGUAGE], cat.entries[lang]
    for key in sorted(source):
        english, translated = source[key], target.get(key, "")
        if isinstance(english, list):
            words = translated if isinstance(translated, list) else []
            catalog.add(
                WORD_SEPARATOR.join(english),
                WORD_SEPARATOR.join(words),
                context=key,
                auto_comments=["Words a caller may say for this choice; separate them with |."],
            )
            continue
        fields = sorted(placeholders(english))
        flags = ([FORMAT_FLAG] if fields else []) + [PLACEHOLDER_FLAG + name for name in fields]
        if key in unreviewed:
            flags.append(FUZZY)
        comments = [f"Keep these exactly: {', '.join('{' + name + '}' for name in fields)}"] if fields else []
        catalog.add(
            english, translated if isinstance(translated, str) else "", context=key, flags=flags, auto_comments=comments
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        write_po(handle, catalog, width=0)
    return len(catalog)


def import_po(cat: Catalogue, file: Path, prompts_dir: Path) -> tuple[str, int]:
    """Write the translations of ``file`` into the language's folder; (language, sentences changed).

    Refused, with nothing written, when a sentence's placeholders (``{digit}`` included)
    differ from the English source, or a key is not in the catalogue.
    """
    with file.open("rb") as handle:
        catalog = read_po(handle)
    lang = _language_of(catalog)
    if lang not in cat.codes:
        raise PoFileRefused(f"{file}: language {lang!r} is not a folder of the catalogue")
    if lang == SOURCE_LANGUAGE:
        raise PoFileRefused(f"{file}: English is the source language; edit its JSON files directly")
    source = cat.entries[SOURCE_LANGUAGE]
    updates: dict[str, str | list[str]] = {}
    reviewed: set[str] = set()
    problems: list[str] = []
    for message in _messages(catalog):
        key = message.context or ""
        if key not in source:
            problems.append(f"{key or message.id!r}: not a key of the catalogue")
            continue
        if not message.string:
            continue
        if isinstance(source[key], list):
            updates[key] = [word.strip() for word in str(message.string).split("|") if word.strip()]
            continue
        try:
            wanted, given = placeholders(source[key]), placeholders(str(message.string))
        except ValueError as error:
            problems.append(f"{key}: malformed braces ({error})")
            continue
        if wanted != given:
            problems.append(f"{key}: placeholders {sorted(given)} differ from the English {sorted(wanted)}")
            continue
        updates[key] = str(message.string)
        if not message.fuzzy:
            reviewed.add(key)
    if problems:
        raise PoFileRefused(f"{file}: refused, nothing written:\n  " + "\n  ".join(problems))
    changed = _write_language(cat, lang, prompts_dir / lang, updates)
    if cat.language(lang).review == "needed":
        _record_reviewed(prompts_dir / lang / "_review.json", reviewed)
    return lang, changed


def _locale(lang: str) -> str | None:
    try:
        Catalog(locale=lang)
    except (UnknownLocaleError, ValueError):
        return None
    return lang


def _language_of(catalog: Catalog) -> str:
    if catalog.locale is not None:
        return catalog.locale.language
    return (catalog.language_team or "").split(" ", 1)[0].strip()


def _messages(catalog: Catalog) -> Iterable[Message]:
    return (message for message in catalog if message.id)


def _write_language(cat: Catalogue, lang: str, folder: Path, updates: dict[str, str | list[str]]) -> int:
    """Put each key back in the file that holds it (or the file English keeps it in)."""
    english_files = _files_by_key(folder.parent / SOURCE_LANGUAGE)
    own_files = _files_by_key(folder)
    by_file: dict[str, dict[str, str | list[str]]] = {}
    changed = 0
    for key, value in sorted(updates.items()):
        if cat.entries[lang].get(key) == value:
            continue
        name = own_files.get(key) or english_files[key]
        by_file.setdefault(name, {})[key] = value
        changed += 1
    for name, values in by_file.items():
        path = folder / name
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        current.update(values)
        path.write_text(json.dumps(current, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return changed


def _files_by_key(folder: Path) -> dict[str, str]:
    out = {}
    for file in sorted(folder.glob("*.json")):
        if not file.name.startswith("_"):
            out.update(dict.fromkeys(json.loads(file.read_text(encoding="utf-8")), file.name))
    return out


def _record_reviewed(path: Path, keys: set[str]) -> None:
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    merged = sorted(set(current.get("reviewed", ())) | keys)
    about = "Keys a native speaker has reviewed; flask callflow check lists the others."
    path.write_text(
        json.dumps({"about": about, "reviewed": merged}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
