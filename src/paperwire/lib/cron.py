"""Five-field cron expressions (minute hour day-of-month month day-of-week), time-zone aware.

Supports `*`, numbers, lists `1,15`, ranges `1-5`, steps `*/15` and `8-18/2`; day of week
0-7 with 0 and 7 both Sunday. As in Vixie cron, when both day fields are restricted a
day matches if either does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_RANGES = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12),
           "weekday": (0, 7)}


class CronError(ValueError):
    pass


def _field(text: str, name: str) -> frozenset[int]:
    low, high = _RANGES[name]
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"bad step in {name} field: {text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise CronError(f"bad range in {name} field: {text!r}")
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
            if step != 1:
                end = high
        else:
            raise CronError(f"bad {name} field: {text!r}")
        if not (low <= start <= end <= high):
            raise CronError(f"{name} field out of range: {text!r}")
        values.update(range(start, end + 1, step))
    if name == "weekday" and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    day_restricted: bool
    weekday_restricted: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        parts = expression.split()
        if len(parts) != 5:
            raise CronError(f"a cron expression has 5 fields, not {len(parts)}: {expression!r}")
        return cls(expression, _field(parts[0], "minute"), _field(parts[1], "hour"),
                   _field(parts[2], "day"), _field(parts[3], "month"),
                   _field(parts[4], "weekday"), parts[2] != "*", parts[4] != "*")

    def _day_matches(self, moment: datetime) -> bool:
        day_ok = moment.day in self.days
        weekday_ok = (moment.isoweekday() % 7) in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return day_ok or weekday_ok
        return day_ok and weekday_ok

    def matches(self, moment: datetime) -> bool:
        return (moment.minute in self.minutes and moment.hour in self.hours
                and moment.month in self.months and self._day_matches(moment))

    def latest_at_or_before(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        """The last time this schedule fired at or before `moment`, within ~a year."""
        local = moment.astimezone(tz).replace(second=0, microsecond=0)
        day = local.replace(hour=23, minute=59)
        for _ in range(400):
            if day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours, reverse=True):
                    for minute in sorted(self.minutes, reverse=True):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate <= local:
                            # Re-attach the zone so a DST change gives the right offset.
                            return candidate.replace(tzinfo=None).replace(tzinfo=tz)
            day = (day - timedelta(days=1)).replace(hour=23, minute=59)
        return None

    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        """The first time this schedule fires strictly after `moment`, within ~a year."""
        local = moment.astimezone(tz).replace(second=0, microsecond=0)
        day = local.replace(hour=0, minute=0)
        for _ in range(400):
            if day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate > local:
                            return candidate.replace(tzinfo=None).replace(tzinfo=tz)
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None
