"""How an item's due date reads: never "overdue by 0 working days"."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendar import WorkingCalendar
from bot.recommendations.items import timing
from storage.models import Recommendation

CALENDAR = WorkingCalendar()
FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("today", "reads"),
    [
        (date(2026, 11, 26), "due in 1 working day (27 Nov 2026)"),
        (FRIDAY, "due today"),
        (date(2026, 11, 28), "overdue (due 27 Nov 2026)"),  # the Saturday after
        (date(2026, 11, 29), "overdue (due 27 Nov 2026)"),
        (date(2026, 11, 30), "overdue by 1 working day (due 27 Nov 2026)"),
        (date(2026, 12, 2), "overdue by 3 working days (due 27 Nov 2026)"),
    ],
)
def test_an_items_timing_reads_true_at_the_weekend(today: date, reads: str) -> None:
    item = Recommendation(reference="VUL-01", title="", due_date=FRIDAY)
    assert timing(item, today, CALENDAR) == reads
