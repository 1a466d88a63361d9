"""``flask callflow check`` for languages: bare labels, the glossary, 0 to a person, unreviewed sentences."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from callflows import speech
from callflows.catalogue import Catalogue, catalogue
from callflows.check import bare_option_labels, check_tree, glossary_problems, is_bare_label, zero_reaches_a_person
from callflows.flows import TREE
from callflows.tree import Menu, Tree


@pytest.mark.parametrize(
    "text",
    ["If yes, press {digit}.", "If no, press {digit}.", "For yes, press {digit}.", "For both, press {digit}.",
     "Si sí, oprima {digit}.", "Si si, oprima {digit}.", "Para sí, oprima {digit}.", "Para no, oprima {digit}.",
     "Para ambos, oprima {digit}.", "如果是，请按{digit}。", "如果不是，请按{digit}。", "选择是，请按{digit}。"],
)  # fmt: skip
def test_a_bare_yes_no_label_is_refused_in_any_language(text) -> None:
    assert is_bare_label(text)


@pytest.mark.parametrize(
    "text",
    ["If that is correct, press {digit}.", "If it is not safe, press {digit}.", "For English, press {digit}.",
     "Si no es seguro, oprima {digit}.", "Si es correcto, oprima {digit}.", "Para español, oprima {digit}.",
     "如果正确，请按{digit}。", "如果安全，请按{digit}。"],
)  # fmt: skip
def test_a_whole_sentence_passes(text) -> None:
    assert not is_bare_label(text)


@pytest.mark.parametrize("lang", ["en", "es", "zh"])
def test_the_check_names_a_bare_option_in_the_shipped_tree(lang) -> None:
    cat = catalogue()
    bare = {"en": "If yes, press {digit}.", "es": "Si sí, oprima {digit}.", "zh": "如果是，请按{digit}。"}[lang]
    entries = {code: dict(values) for code, values in cat.entries.items()}
    entries[lang]["notify.voice.voicemail_yes"] = bare
    broken = Catalogue(cat.languages, entries, cat.data)
    assert bare_option_labels(TREE, broken) == [
        f"option {lang}:notify.voice.voicemail_yes is a bare yes/no label; say what the choice means"
    ]


def test_the_shipped_catalogue_passes_every_check() -> None:
    assert check_tree(TREE, catalogue()) == []


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("La persona fue expulsada de los Estados Unidos.", "expulsada"),
        ("Bienvenido de nuevo.", "Bienvenido"),
        ("Usted es el siguiente en la fila.", "el siguiente"),
        ("Esta persona está detenida en El Paso.", "detenida en"),
        ("Si no le encontramos, ¿podemos dejar un mensaje?", "Si no le encontramos"),
        ("Los dos PIN no fueron iguales.", "no fueron iguales"),
        ("Nuestros mensajes no dicen de qué se tratan.", "de qué se tratan"),
        ("Marque su PIN y despues la tecla numeral.", "despues"),
        ("Marque su PIN y después la tecla de número.", "tecla de número"),
        ("Llame mas tarde. Adios.", "mas"),
    ],
)
def test_the_spanish_glossary_refuses_the_words_it_replaces(sentence, word) -> None:
    cat = catalogue()
    entries = {code: dict(values) for code, values in cat.entries.items()}
    entries["es"]["custody.found"] = sentence
    problems = glossary_problems(Catalogue(cat.languages, entries, cat.data))
    assert len(problems) == 1 and "es:custody.found" in problems[0] and repr(word) in problems[0]


def test_texts_may_drop_accents_but_voice_prompts_may_not() -> None:
    cat = catalogue()
    entries = {code: dict(values) for code, values in cat.entries.items()}
    entries["es"]["sms.request_change"] = "Por favor responda con los dias y horas. Un especialista leera su mensaje."
    assert glossary_problems(Catalogue(cat.languages, entries, cat.data)) == []
    entries["es"]["callback.closing"] = "Por favor tenga su telefono cerca."
    assert glossary_problems(Catalogue(cat.languages, entries, cat.data)) != []


def test_zero_is_proved_to_reach_a_person_and_a_broken_tree_is_caught() -> None:
    assert zero_reaches_a_person(TREE) == []
    # Out of hours, a call-back offer whose 0 leads back to the closed message never reaches anyone.
    nodes = dict(TREE.nodes)
    offer = nodes["operator.closed_offer"]
    assert isinstance(offer, Menu)
    nodes["operator.closed_offer"] = replace(offer, operator=None, options=offer.options[1:])
    broken = Tree(nodes, TREE.entry, TREE.operator, TREE.entries)
    problems = zero_reaches_a_person(broken)
    assert any("(closed)" in problem for problem in problems)


def test_unreviewed_chinese_sentences_are_listed_as_information(runner) -> None:
    result = runner.invoke(args=["callflow", "check"])
    assert result.exit_code == 0, result.output
    assert "zh:" in result.output and "await a native reviewer" in result.output
    assert "zh:goodbye" in result.output
    assert "es:" not in result.output.split("await", 1)[0].splitlines()[-1]


def test_chinese_is_a_folder_with_the_codes_twilio_documents_and_nothing_in_code() -> None:
    cat = catalogue()
    zh = cat.language("zh")
    assert (zh.voice, zh.say_language, zh.speech_language, zh.review) == (
        "Polly.Zhiyu", "cmn-CN", "cmn-Hans-CN", "needed"
    )  # fmt: skip
    folder = Path(__file__).resolve().parents[2] / "callflows" / "prompts" / "zh"
    assert json.loads((folder / "_numbers.json").read_text(encoding="utf-8"))["digits"]["幺"] == 1


@pytest.mark.parametrize(
    ("said", "parser", "value"),
    [
        ("二零一三四五六七八", speech.parse_a_number, "201345678"),
        ("A号码是二零一 三四五 六七八", speech.parse_a_number, "201345678"),
        ("九零零零幺", speech.parse_zip, "90001"),
        ("我的邮编是七八五二零", speech.parse_zip, "78520"),
        ("幺二三四", lambda text, lang: speech.parse_digits(text, lang), "1234"),
        ("按三", speech.spoken_digit, "3"),
        ("两", speech.spoken_digit, "2"),
    ],
)
def test_the_speech_parser_reads_chinese_numbers_from_the_catalogue_data(said, parser, value) -> None:
    assert parser(said, "zh") == value


def test_chinese_number_words_do_not_leak_into_english_or_spanish() -> None:
    assert speech.parse_digits("二零一", "en") is None and speech.parse_digits("two oh one", "en") == "201"
    assert speech.parse_digits("dos cero uno", "es") == "201"


def test_a_new_language_folder_is_all_it_takes(tmp_path: Path) -> None:
    import shutil

    from callflows.catalogue import PROMPTS_DIR

    shutil.copytree(PROMPTS_DIR, tmp_path / "prompts")
    shutil.copytree(tmp_path / "prompts" / "en", tmp_path / "prompts" / "fr")
    meta = {"name": "Français", "order": 4, "voice": "Polly.Lea", "say_language": "fr-FR", "speech_language": "fr-FR"}
    (tmp_path / "prompts" / "fr" / "_meta.json").write_text(json.dumps(meta), encoding="utf-8")
    cat = Catalogue.load(tmp_path / "prompts")
    assert cat.codes == ("en", "es", "zh", "fr")
    problems = check_tree(TREE, cat)
    # Only the whisper naming the new language is missing in the others.
    assert problems and all("live.language.fr" in problem for problem in problems)


@pytest.mark.parametrize("lang", ["en", "es", "zh"])
def test_out_of_hours_a_sentence_offering_an_operator_is_said_in_its_call_back_wording(lang) -> None:
    from callflows.engine import CallState, Enter, step

    opened = step(TREE, CallState(node="custody.limited", lang=lang).with_values({"closed": "0"}), Enter())
    closed = step(TREE, CallState(node="custody.limited", lang=lang).with_values({"closed": "1"}), Enter())
    assert "custody.talk_to_operator" in [line.key for line in opened.lines]
    keys = [line.key for line in closed.lines]
    assert "custody.talk_to_operator.closed" in keys and "menu.globals.closed" in keys
    assert "custody.limited.closed" in keys
    assert "custody.talk_to_operator" not in keys and "menu.globals" not in keys
