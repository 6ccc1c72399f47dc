"""The reviewer's statistics, computed from the audit trail: one computation for `reviewdesk stats`
and the window's Statistics view, so both always agree. Pure Python over `AuditRecord`s.

Definitions (docs/AUDIT.md):

- *decisions*: `decision` and `re-decision` records (an undone decision still counts: it was made);
- *undo rate*: `undo` records / decisions;
- *time per item*: the decision's `seconds` (time on the item, idle time behind the privacy screen
  left out); median, and the 90th percentile by nearest rank (the smallest time that at least
  90 % of the decisions took no longer than);
- *decisions per hour*: decisions / the hours spent on items (the sum of their seconds);
- *share of a shortcode*: its decisions / all decisions;
- grouped *per day* (the UTC date of the record) and *per source*.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviewdesk.store.audit import DECISION_ACTIONS, UNDO, AuditRecord


@dataclass(frozen=True, slots=True)
class Summary:
    decisions: int = 0
    undos: int = 0
    seconds: tuple[float, ...] = ()
    codes: dict[str, int] = field(default_factory=dict)

    @property
    def undo_rate(self) -> float | None:
        return self.undos / self.decisions if self.decisions else None

    @property
    def median_seconds(self) -> float | None:
        return float(statistics.median(self.seconds)) if self.seconds else None

    @property
    def p90_seconds(self) -> float | None:
        if not self.seconds:
            return None
        ordered = sorted(self.seconds)
        return ordered[math.ceil(0.9 * len(ordered)) - 1]

    @property
    def per_hour(self) -> float | None:
        total = sum(self.seconds)
        return self.decisions / (total / 3600) if total > 0 else None

    def shares(self) -> dict[str, float]:
        """Each shortcode's share of the decisions, the largest first."""
        if not self.decisions:
            return {}
        ranked = sorted(self.codes.items(), key=lambda kv: (-kv[1], kv[0]))
        return {code: n / self.decisions for code, n in ranked}


@dataclass(frozen=True, slots=True)
class Stats:
    total: Summary
    by_day: dict[str, Summary]
    by_source: dict[str, Summary]


class _Tally:
    """One group's counts, added to record by record (a long log is never held whole)."""

    __slots__ = ("decisions", "undos", "seconds", "codes")

    def __init__(self) -> None:
        self.decisions = 0
        self.undos = 0
        self.seconds: list[float] = []
        self.codes: Counter[str] = Counter()

    def add(self, r: AuditRecord) -> None:
        if r.action == UNDO:
            self.undos += 1
            return
        self.decisions += 1
        seconds = r.detail.get("seconds")
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            self.seconds.append(float(seconds))
        self.codes[str(r.detail.get("shortcode", ""))] += 1

    def summary(self) -> Summary:
        return Summary(self.decisions, self.undos, tuple(self.seconds), dict(self.codes))


def compute(records: Iterable[AuditRecord]) -> Stats:
    total = _Tally()
    days: dict[str, _Tally] = {}
    sources: dict[str, _Tally] = {}
    for r in records:
        if r.action not in DECISION_ACTIONS and r.action != UNDO:
            continue
        for tally in (
            total,
            days.setdefault(r.at[:10], _Tally()),
            sources.setdefault(r.source or "dyneti", _Tally()),
        ):
            tally.add(r)
    return Stats(
        total=total.summary(),
        by_day={day: t.summary() for day, t in sorted(days.items())},
        by_source={src: t.summary() for src, t in sorted(sources.items())},
    )


def _num(value: float | None, fmt: str, unit: str = "") -> str:
    return "-" if value is None else f"{value:{fmt}}{unit}"


def summary_line(label: str, s: Summary) -> str:
    undo = None if s.undo_rate is None else s.undo_rate * 100
    return (
        f"{label:<12} {s.decisions:>6} {_num(s.per_hour, '.1f'):>8} {_num(s.median_seconds, '.1f', 's'):>8} "
        f"{_num(s.p90_seconds, '.1f', 's'):>8} {_num(undo, '.1f', '%'):>7}"
    )


def format_stats(stats: Stats) -> list[str]:
    """The statistics as text lines (the command line prints them)."""
    head = f"{'':<12} {'decided':>6} {'per hour':>8} {'median':>8} {'p90':>8} {'undo':>7}"
    lines = [head, summary_line("all", stats.total)]
    if stats.by_day:
        lines += ["", "per day (UTC)"] + [summary_line(day, s) for day, s in stats.by_day.items()]
    if stats.by_source:
        lines += ["", "per source"] + [summary_line(src, s) for src, s in stats.by_source.items()]
    shares = stats.total.shares()
    if shares:
        lines += ["", "shortcodes"]
        lines += [
            f"{code:<28} {stats.total.codes[code]:>6} {share * 100:>6.1f}%" for code, share in shares.items()
        ]
    return lines
