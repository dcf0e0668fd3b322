"""Working-day deadlines of information requests: each stage's due date and reminder points.

When a request enters a status, its stage starts: the due date comes from the settings (or the
decision deadline, which pauses while more information is awaited), and reminders fall at 50 %,
80 %, on the due day and once overdue, all at the office's opening time on working days. A stage
with a lapse (the requester never answered, nobody challenged) ends the working day after its due
date instead of being reminded as overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.config import Deadlines
from bot.core.calendar import WorkingCalendar
from bot.core.unit import UnitOfWork
from bot.sharing.lifecycle import STAGES, Clock, RequestStatus, Stage
from storage.models import InformationRequest

HALF, MOST = 0.5, 0.8


class Reminder(StrEnum):
    """Which reminder a point of the schedule is."""

    HALF = "half"
    MOST = "most"
    DUE = "due"
    OVERDUE = "overdue"
    LAPSE = "lapse"


REMINDER_TEXT: dict[Reminder, str] = {
    Reminder.HALF: "half the time has gone",
    Reminder.MOST: "most of the time has gone",
    Reminder.DUE: "it is due today",
    Reminder.OVERDUE: "it is overdue",
    Reminder.LAPSE: "the time is up",
}


@dataclass(frozen=True)
class Point:
    """One reminder (or the lapse) on one working day."""

    day: date
    reminder: Reminder


def schedule(start: date, due: date, stage: Stage, calendar: WorkingCalendar) -> tuple[Point, ...]:
    """The reminder points of a stage that started on `start` and is due on `due`.

    Points never fall on the start day itself except when the stage is due (or overdue) then;
    when 50 % and 80 % land on the same working day, only the 80 % reminder is kept.
    """
    end = Reminder.LAPSE if stage.lapse else Reminder.OVERDUE
    if due < start:
        return (Point(start, end),)
    points: list[Point] = []
    if stage.nudges:
        length = calendar.working_days_between(start, due)
        for share, reminder in ((HALF, Reminder.HALF), (MOST, Reminder.MOST)):
            days = int(length * share)
            if 0 < days < length:
                day = calendar.add_working_days(start, days)
                if points and points[-1].day == day:
                    points.pop()
                points.append(Point(day, reminder))
        points.append(Point(due, Reminder.DUE))
    if stage.nudges or stage.lapse:
        points.append(Point(calendar.add_working_days(due, 1), end))
    return tuple(points)


def moment(day: date, calendar: WorkingCalendar) -> datetime:
    """When a reminder for `day` goes out: the office's opening time, local time."""
    return datetime.combine(day, calendar.opens, tzinfo=calendar.timezone)


def stage_due(
    request: InformationRequest,
    clock: Clock,
    today: date,
    deadlines: Deadlines,
    cal: WorkingCalendar,
) -> date:
    """The due date of a stage that starts `today` for `request`."""
    if clock is Clock.ACKNOWLEDGE:
        return request.acknowledge_by
    if clock is Clock.DECIDE:
        return request.decide_by
    days = {
        Clock.ANSWER: deadlines.answer_days,
        Clock.FULFIL: deadlines.fulfil_days,
        Clock.REDECIDE: deadlines.fulfil_days,  # after an upheld challenge: decide, then send
        Clock.CHALLENGE: deadlines.challenge_days,
        Clock.REVIEW: deadlines.review_days,
        Clock.SETTLE: deadlines.settle_days,
        Clock.AUTHORISE: deadlines.acknowledge_days,
    }[clock]
    return cal.add_working_days(today, days)


def start_stage(uow: UnitOfWork, request: InformationRequest) -> None:
    """Start the deadline of the request's current status, with its first reminder due.

    A final status (closed, withdrawn, expired) has no deadline and nothing left to remind.
    """
    stage = STAGES.get(RequestStatus(request.status))
    if stage is None:
        request.stage_started_on = request.stage_due_on = None
        request.nudge_stage, request.next_nudge_at = 0, None
        return
    due = stage_due(request, stage.clock, uow.today, uow.settings.deadlines, uow.calendar)
    request.stage_started_on, request.stage_due_on = uow.today, due
    points = schedule(uow.today, due, stage, uow.calendar)
    request.nudge_stage = 0
    request.next_nudge_at = moment(points[0].day, uow.calendar) if points else None


def points_of(request: InformationRequest, calendar: WorkingCalendar) -> tuple[Point, ...]:
    """The reminder points of the request's current stage (none in a final status)."""
    stage = STAGES.get(RequestStatus(request.status))
    if stage is None or request.stage_started_on is None or request.stage_due_on is None:
        return ()
    return schedule(request.stage_started_on, request.stage_due_on, stage, calendar)
