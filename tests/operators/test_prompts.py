"""What operators and supervisors hear or read comes from the catalogue, in every language."""

from __future__ import annotations

import pytest

from callflows.catalogue import catalogue

KEYS = ("bridge.connecting", "bridge.caller_unavailable", "alerts.urgent_wait")


@pytest.mark.parametrize("key", KEYS)
def test_every_operator_prompt_exists_in_every_language_with_the_same_fields(key: str) -> None:
    cat = catalogue()
    assert [f"{code}:{key}" for code in cat.codes if not cat.has(code, key)] == []
    fields = cat.placeholders(key)
    assert len({frozenset(names) for names in fields.values()}) == 1, fields
    assert {"en", "es"} <= set(fields)
