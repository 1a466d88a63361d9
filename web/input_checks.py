"""Bad input is refused before the database: the operator API and every dashboard page never 500.

One mechanism for both office doors (``guard`` is applied to every API blueprint by
``openapi.api_blueprint`` and to every dashboard blueprint by ``auth.office_pages``):
an id in the path or the query beyond the column's range, an offset the database
cannot hold, a NUL byte (PostgreSQL refuses it in text) or a JSON value of the wrong
type is answered 404/400 with a reason, here, instead of an error deep in the driver.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from werkzeug.exceptions import BadRequest, NotFound

# Ids are 32-bit INTEGER columns on PostgreSQL: nothing larger can exist.
MAX_ID = 2**31 - 1
MAX_OFFSET = 1_000_000
MAX_TEXT = 4000
NUL = "\x00"
# Query arguments that name a row (``/ops/directory?request=12``): checked like path ids.
ID_QUERY_ARGUMENTS = ("request",)


def bounded_int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    """A whole-number query parameter between ``low`` and ``high`` (400 with the reason otherwise)."""
    if raw is None or raw == "":
        return default
    if not raw.lstrip("-").isdigit() or len(raw) > 12:
        raise BadRequest(f"{name} must be a whole number between {low} and {high}")
    value = int(raw)
    if not low <= value <= high:
        raise BadRequest(f"{name} must be a whole number between {low} and {high}")
    return value


def optional_text(data: dict[str, Any], name: str, limit: int = 200) -> str | None:
    """A JSON field that must be a string (or absent/null); 400 naming the field otherwise."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if len(value) > limit:
        raise BadRequest(f"{name} is longer than {limit} characters")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_bytes() -> None:
    """400 when any query, form or JSON string carries a NUL byte (PostgreSQL text cannot hold one)."""
    values: list[Any] = [*request.args.listvalues(), request.path]
    if request.mimetype == "application/x-www-form-urlencoded" or request.mimetype == "multipart/form-data":
        values.extend(request.form.listvalues())
    elif request.is_json:
        values.append(request.get_json(silent=True))
    if any(_has_nul(value) for value in values):
        raise BadRequest("NUL bytes are not accepted")


def _no_such(name: str) -> NotFound:
    return NotFound(f"no such {name.removesuffix('_id').replace('_', ' ')}")


def refuse_ids_out_of_range() -> None:
    """404 for an id in the URL (``request_id``, ``conversation_id``, ``?request=``...) that no row can have."""
    for name, value in (request.view_args or {}).items():
        if name.endswith("_id") and isinstance(value, int) and not 0 < value <= MAX_ID:
            raise _no_such(name)
    for name in ID_QUERY_ARGUMENTS:
        for raw in request.args.getlist(name):
            if raw == "":
                continue
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
                raise BadRequest(f"{name} must be a whole number between 1 and {MAX_ID}")
            if not 0 < int(raw) <= MAX_ID:
                raise _no_such(name)


def query_id(name: str) -> int | None:
    """A row id given in the query (already checked by ``guard``), or None when absent."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID else None


def guard(blueprint: Blueprint) -> None:
    """Check every request to ``blueprint`` before its view runs."""
    blueprint.before_request(refuse_nul_bytes)
    blueprint.before_request(refuse_ids_out_of_range)
