"""Every sentence of the custody line and the SMS replies exists in English and Spanish."""

from __future__ import annotations

import pytest

from callflows.catalogue import catalogue
from callflows.flows import TREE


def custody_keys() -> set[str]:
    keys: set[str] = set()
    for name, node in TREE.nodes.items():
        if name == "custody" or name.startswith("custody."):
            keys |= {k for k in TREE.prompt_keys() if k in _node_keys(node)}
    return keys


def _node_keys(node) -> set[str]:
    keys = set(getattr(node, "prompts", ()))
    for attribute in ("on_invalid", "on_silence"):
        if hasattr(node, attribute):
            keys.add(getattr(node, attribute).prompt)
    for option in getattr(node, "options", ()):
        keys |= {option.label, option.words_key}
    return keys


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_custody_and_sms_prompt_is_translated(language: str) -> None:
    cat = catalogue()
    wanted = custody_keys() | {k for code in cat.codes for k in cat.entries[code] if k.startswith(("custody.", "sms."))}
    assert len(wanted) > 40
    missing = sorted(k for k in wanted if not cat.has(language, k))
    assert missing == []


def test_custody_prompts_use_the_same_placeholders_in_each_language() -> None:
    cat = catalogue()
    for key in cat.entries["en"]:
        if key.startswith(("custody.", "sms.")):
            placeholders = cat.placeholders(key)
            assert placeholders.get("en") == placeholders.get("es"), key


def test_the_custody_line_never_asks_about_the_callers_own_status() -> None:
    cat = catalogue()
    for language in cat.codes:
        for key, text in cat.entries[language].items():
            if key.startswith(("custody.", "sms.")) and isinstance(text, str):
                lowered = text.lower()
                assert "your immigration status" not in lowered and "su estatus migratorio" not in lowered
