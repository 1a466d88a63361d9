"""Settings of the referral directory: distance, national lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ReferralSettings:
    """How far the nearest-services search reaches and which national lines a caller may be transferred to."""

    # REFERRAL_MAX_MILES: services farther than this are not offered; the national lines are.
    max_miles: float = 60.0
    # NATIONAL_LINE_NDVH / _RAINN / _988: E.164 numbers for a <Dial> transfer.
    ndvh: str = "+18007997233"  # National Domestic Violence Hotline, 1-800-799-SAFE
    rainn: str = "+18006564673"  # RAINN National Sexual Assault Hotline, 1-800-656-HOPE
    # 988 is a three-digit code that has no E.164 form; its 10-digit number routes to the same lifeline.
    lifeline: str = "+18002738255"

    def national_line(self, name: str) -> str | None:
        """The number of a national line by its short name (ndvh, rainn, 988)."""
        return {"ndvh": self.ndvh, "rainn": self.rainn, "988": self.lifeline}.get(name)


def load_referral_settings(env: Mapping[str, str], error: type[ValueError]) -> ReferralSettings:
    """Read the REFERRAL_* and NATIONAL_LINE_* variables; ``error`` names the bad one."""
    values: dict[str, object] = {}
    if env.get("REFERRAL_MAX_MILES"):
        try:
            values["max_miles"] = float(env["REFERRAL_MAX_MILES"])
        except ValueError:
            raise error(f"REFERRAL_MAX_MILES: expected a number of miles, got {env['REFERRAL_MAX_MILES']!r}") from None
        if not 0 < values["max_miles"] <= 500:  # type: ignore[operator]
            raise error("REFERRAL_MAX_MILES: expected more than 0 and at most 500")
    for variable, name in (
        ("NATIONAL_LINE_NDVH", "ndvh"),
        ("NATIONAL_LINE_RAINN", "rainn"),
        ("NATIONAL_LINE_988", "lifeline"),
    ):
        value = env.get(variable, "").strip()
        if value:
            if not (value.startswith("+") and value[1:].isdigit() and 8 <= len(value) <= 16):
                raise error(f"{variable}: expected an E.164 number such as +18007997233, got {value!r}")
            values[name] = value
    return ReferralSettings(**values)  # type: ignore[arg-type]
