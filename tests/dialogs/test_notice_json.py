"""A notice survives the outbox's JSON, its photo count included; a stored count that is not a
whole number of photos reads as none, so a channel never asks the hub for photos on its word."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialogs.messages import Notice, NoticeAction, notice_from_json, notice_to_json
from tests.hostile import PROFILE


def test_a_notice_with_photos_comes_back_as_it_went():
    notice = Notice(
        "concern_alert",
        "P1 concern CN-2026-0001",
        ("Photos: 2",),
        "CN-2026-0001",
        (NoticeAction("concern.acknowledge", "Acknowledge", "CN-2026-0001"),),
        photos=2,
    )
    assert notice_from_json(notice_to_json(notice)) == notice


def test_a_notice_stored_before_photos_were_counted_has_none():
    stored = notice_to_json(Notice("concern_alert", "P1 concern CN-2026-0001", (), "CN-2026-0001"))
    del stored["photos"]
    assert notice_from_json(stored).photos == 0


@PROFILE
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.floats(),
        st.text(),
        st.integers(max_value=0),
        st.lists(st.integers()),
    )
)
def test_a_count_that_is_not_a_positive_whole_number_reads_as_none(value):
    stored = notice_to_json(Notice("concern_alert", "title", (), "CN-2026-0001"))
    stored["photos"] = value
    assert notice_from_json(stored).photos == 0
