"""Five-field cron (``@pipeline(schedule=...)``) as the Quartz expression Databricks Jobs take.

Quartz has a seconds field first, needs ``?`` in day-of-month or day-of-week (one of them
unrestricted) and numbers days of the week 1-7 from Sunday (cron: 0-7, 0 and 7 Sunday).
Standard cron ORs the two day fields when both are restricted; Quartz cannot express that,
so it is refused with the fix. Numeric day-of-week ranges and steps are expanded to lists
(``1-5`` -> ``2,3,4,5,6``), so no range wraps around Saturday.
"""

from __future__ import annotations

_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def quartz_cron(cron: str) -> str:
    """``"0 2 * * 1-5"`` -> ``"0 0 2 ? * 2,3,4,5,6"``; ValueError when Quartz cannot say it."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"cron {cron!r} must have five fields: minute hour dom month dow")
    minute, hour, dom, month, dow = fields
    if dom != "*" and dow != "*":
        raise ValueError(
            f"cron {cron!r} restricts both day-of-month and day-of-week (cron ORs them, "
            "Quartz cannot); use '*' in one of them"
        )
    if dow == "*":
        return f"0 {minute} {hour} {dom} {month} ?"
    return f"0 {minute} {hour} ? {month} {_dow(dow, cron)}"


def _dow(field: str, cron: str) -> str:
    return ",".join(_dow_token(token, cron) for token in field.split(","))


def _dow_token(token: str, cron: str) -> str:
    if "#" in token:  # the n-th weekday of the month: 1#2 -> 2#2
        day, _, nth = token.partition("#")
        return f"{_day(day, cron)}#{nth}"
    if token.endswith("L") and token != "L":  # the last weekday of the month: 5L -> 6L
        return f"{_day(token[:-1], cron)}L"
    base, _, step_text = token.partition("/")
    step = int(step_text) if step_text.isdigit() else None
    if step_text and step is None:
        raise ValueError(f"cron {cron!r}: bad step {step_text!r}")
    if base == "*":
        low, high = 0, 6
    elif "-" in base:
        low_text, _, high_text = base.partition("-")
        low, high = _number(low_text, cron), _number(high_text, cron)
    else:
        low = _number(base, cron)
        high = 6 if step else low
    days = list(range(low, high + 1, step or 1))
    return ",".join(str(d % 7 + 1) for d in sorted({d % 7 for d in days}))


def _number(text: str, cron: str) -> int:
    upper = text.upper()
    if upper in _NAMES:
        return _NAMES.index(upper)
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    raise ValueError(f"cron {cron!r}: day of week {text!r} is not 0-7 or SUN-SAT")


def _day(text: str, cron: str) -> str:
    return str(_number(text, cron) % 7 + 1)
