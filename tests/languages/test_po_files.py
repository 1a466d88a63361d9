"""Translators work in PO files: export with the English source and keys, import back, refuse broken fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

import commands.callflow as callflow_commands
from callflows.catalogue import Catalogue


@pytest.fixture
def po_prompts(prompts: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The commands write into the test's copy of the catalogue."""
    monkeypatch.setattr(callflow_commands, "PROMPTS_DIR", prompts)
    return prompts


def export(runner, lang: str, out: Path):
    result = runner.invoke(args=["callflow", "export-po", "--language", lang, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open("rb") as handle:
        return read_po(handle)


def save(catalog, path: Path) -> None:
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0)


@pytest.mark.parametrize("lang", ["es", "zh"])
def test_every_sentence_is_exported_with_its_english_source_key_and_placeholders(runner, po_prompts, tmp_path, lang):
    catalog = export(runner, lang, tmp_path / f"{lang}.po")
    cat = Catalogue.load(po_prompts)
    assert catalog.locale is not None and catalog.locale.language == lang
    messages = {m.context: m for m in catalog if m.id}
    assert set(messages) == set(cat.entries["en"])
    option = messages["callback.use_this"]
    assert option.id == cat.entries["en"]["callback.use_this"]
    assert option.string == cat.entries[lang]["callback.use_this"]
    assert {"python-brace-format", "placeholder-digit"} <= set(option.flags)
    # Spoken synonyms are one message, words separated by |.
    assert " | " in messages["main.custody.words"].id
    # Chinese awaits a native reviewer: its sentences are fuzzy; reviewed Spanish is not.
    assert option.fuzzy == (lang == "zh")


def test_an_edited_file_is_imported_back_into_the_catalogue(runner, po_prompts, tmp_path) -> None:
    path = tmp_path / "es.po"
    catalog = export(runner, "es", path)
    catalog.get(_id(catalog, "goodbye"), context="goodbye").string = "Adiós."
    words = catalog.get(_id(catalog, "slower.words"), context="slower.words")
    words.string = "más despacio | despacio"
    save(catalog, path)
    result = runner.invoke(args=["callflow", "import-po", str(path)])
    assert result.exit_code == 0, result.output
    main = json.loads((po_prompts / "es" / "main.json").read_text(encoding="utf-8"))
    assert main["goodbye"] == "Adiós."
    access = json.loads((po_prompts / "es" / "access.json").read_text(encoding="utf-8"))
    assert access["slower.words"] == ["más despacio", "despacio"]


@pytest.mark.parametrize(
    ("key", "broken"),
    [
        ("callback.use_this", "Para usar este número, oprima 1."),  # {digit} written out
        ("callback.your_number", "Podemos devolverle la llamada al número que termina en {last4}."),  # renamed
        ("operator.closed", "No están disponibles. Atienden {operator_hours."),  # malformed
    ],
)
def test_a_file_whose_placeholders_differ_is_refused_and_nothing_is_written(runner, po_prompts, tmp_path, key, broken):
    path = tmp_path / "es.po"
    catalog = export(runner, "es", path)
    catalog.get(_id(catalog, key), context=key).string = broken
    save(catalog, path)
    before = {p.name: p.read_bytes() for p in (po_prompts / "es").iterdir()}
    result = runner.invoke(args=["callflow", "import-po", str(path)])
    assert result.exit_code != 0 and key in result.output
    assert before == {p.name: p.read_bytes() for p in (po_prompts / "es").iterdir()}


def test_a_chinese_sentence_a_reviewer_clears_is_no_longer_listed_as_unreviewed(runner, po_prompts, tmp_path) -> None:
    path = tmp_path / "zh.po"
    catalog = export(runner, "zh", path)
    message = catalog.get(_id(catalog, "goodbye"), context="goodbye")
    message.flags.discard("fuzzy")
    save(catalog, path)
    assert runner.invoke(args=["callflow", "import-po", str(path)]).exit_code == 0
    reviewed = json.loads((po_prompts / "zh" / "_review.json").read_text(encoding="utf-8"))["reviewed"]
    assert reviewed == ["goodbye"]
    assert "goodbye" not in Catalogue.load(po_prompts).unreviewed("zh")


def _id(catalog, key: str) -> str:
    return next(m.id for m in catalog if m.context == key)


def test_a_language_babel_does_not_know_round_trips_by_its_folder_name(runner, with_pseudo, monkeypatch, tmp_path):
    monkeypatch.setattr(callflow_commands, "PROMPTS_DIR", with_pseudo)
    path = tmp_path / "xx.po"
    export(runner, "xx", path)
    result = runner.invoke(args=["callflow", "import-po", str(path)])
    assert result.exit_code == 0 and "xx: 0 sentence(s) changed" in result.output, result.output
