"""Effects of the local-office part of the tree: the field office for a ZIP code."""

from __future__ import annotations

from callflows.engine import CallState, Outcome
from callflows.offices import office_for_zip
from callflows.phones import spoken_phone
from callflows.readback import spoken_digits
from web.phone.actions import CallContext, effect


@effect("office.find")
def find(state: CallState, context: CallContext) -> Outcome:
    """The office serving the caller's ZIP code, its spoken name and phone, and its code for a call back."""
    zip5 = state.get("zip") or ""
    office = office_for_zip(zip5)
    if office is None:
        return Outcome.of("unknown", zip_spoken=spoken_digits(zip5))
    name = office.name.removesuffix(" Field Office")
    if office.phone_is_placeholder:
        # A fictional stand-in number must never be read to a caller (see field_offices.csv).
        return Outcome.of("no_phone", field_office=office.code, office_name=name)
    return Outcome.of("found", field_office=office.code, office_name=name, office_phone=spoken_phone(office.phone))
