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
from collections.abc import Iterable, Sequence
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


def _summary(records: Sequence[AuditRecord]) -> Summary:
    decisions = [r for r in records if r.action in DECISION_ACTIONS]
    seconds = tuple(
        float(r.detail["seconds"])
        for r in decisions
        if isinstance(r.detail.get("seconds"), int | float) and not isinstance(r.detail.get("seconds"), bool)
    )
    codes = Counter(str(r.detail.get("shortcode", "")) for r in decisions)
    return Summary(
        decisions=len(decisions),
        undos=sum(1 for r in records if r.action == UNDO),
        seconds=seconds,
        codes=dict(codes),
    )


def compute(records: Iterable[AuditRecord]) -> Stats:
    counted = [r for r in records if r.action in DECISION_ACTIONS or r.action == UNDO]
    days: dict[str, list[AuditRecord]] = {}
    sources: dict[str, list[AuditRecord]] = {}
    for r in counted:
        days.setdefault(r.at[:10], []).append(r)
        sources.setdefault(r.source or "dyneti", []).append(r)
    return Stats(
        total=_summary(counted),
        by_day={day: _summary(rs) for day, rs in sorted(days.items())},
        by_source={src: _summary(rs) for src, rs in sorted(sources.items())},
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
