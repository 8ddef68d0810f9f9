"""Days, ISO weeks and months as the daily lists use them: parse, label, step.

A period is a closed range of days with a kind. The query parameters are the ones the
pages and the API take: `date=YYYY-MM-DD`, `week=YYYY-Www` (ISO week) and `month=YYYY-MM`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("date", "week", "month")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{1,2})", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Pages step from a period to its neighbours and to the month around it (a day or a
# month past its end): the year 9999 has no room for that in Python's dates.
LAST_YEAR = 9998


class InvalidPeriod(ValueError):
    """A date, week or month parameter that names no real period."""


@dataclass(frozen=True)
class Period:
    kind: str  # "date", "week" or "month"
    start: date
    end: date  # inclusive

    @classmethod
    def day(cls, day: date) -> Period:
        return cls("date", day, day)

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        """The period of the given kind that holds `day`."""
        if kind == "date":
            return cls.day(day)
        if kind == "week":
            start = day - timedelta(days=day.weekday())
            return cls("week", start, start + timedelta(days=6))
        if kind == "month":
            start = day.replace(day=1)
            following = (start + timedelta(days=32)).replace(day=1)
            return cls("month", start, following - timedelta(days=1))
        raise InvalidPeriod(f"unknown kind of period {kind!r}")

    @classmethod
    def parse(cls, kind: str, value: str) -> Period:
        """Read a `date`, `week` or `month` parameter, or raise InvalidPeriod."""
        value = value.strip()
        if (m := re.match(r"\d{4}", value)) and int(m[0]) > LAST_YEAR:
            raise InvalidPeriod(f"{kind} must be in the year {LAST_YEAR} or before, "
                                f"not {value[:40]!r}")
        try:
            if kind == "date" and (m := _DATE.fullmatch(value)):
                return cls.day(date(int(m[1]), int(m[2]), int(m[3])))
            if kind == "week" and (m := _WEEK.fullmatch(value)):
                return cls.containing("week", date.fromisocalendar(int(m[1]), int(m[2]), 1))
            if kind == "month" and (m := _MONTH.fullmatch(value)):
                return cls.containing("month", date(int(m[1]), int(m[2]), 1))
        except ValueError:
            pass
        examples = {"date": "2024-10-25", "week": "2024-W43", "month": "2024-10"}
        if kind not in examples:
            raise InvalidPeriod(f"unknown kind of period {kind!r}")
        raise InvalidPeriod(f"{kind} must look like {examples[kind]}, not {value[:40]!r}")

    @property
    def param(self) -> str:
        """The query parameter value that names this period."""
        if self.kind == "date":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return self.start.strftime("%Y-%m")

    @property
    def label(self) -> str:
        if self.kind == "date":
            return f"{self.start.day} {self.start:%B %Y}"
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"Week {week} of {year}"
        return f"{self.start:%B %Y}"

    @property
    def noun(self) -> str:
        return "day" if self.kind == "date" else self.kind

    def query(self) -> dict[str, str]:
        return {self.kind: self.param}


def period_from_params(params) -> Period | None:
    """The period a GET mapping names (`date`, `week` or `month`), or None for none.

    Naming two of them at once is an error rather than a guess.
    """
    given = [k for k in KINDS if params.get(k)]
    if len(given) > 1:
        raise InvalidPeriod("give one of date, week and month, not several")
    if not given:
        return None
    return Period.parse(given[0], params[given[0]])
