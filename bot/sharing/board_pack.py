"""The monthly board pack on information sharing, as text and as a chart.

Volumes by partner (with how each request ended, by the decision in force), the median working
days to a first decision (not counting days spent waiting for the requester), decline reasons of
the declines in force, challenges and their outcomes, the decisions replaced after an upheld
challenge, and the requests overdue now. Each pack sent to the board is kept as a snapshot, so the next one
can say what changed since.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from bot.core import charts
from bot.core.contacts import digest_via
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.sharing.case import holders, load_case
from bot.sharing.lifecycle import FINAL, STAGES, ChallengeLevel, RequestStatus
from bot.sharing.register import oversees, working_days_to_decision
from bot.sharing.views import DECLINE_LABELS, OUTCOME_WORDS, decision_word
from dialogs.messages import JsonValue, Notice
from storage import directory
from storage import sharing as store
from storage.models import InformationRequest, Person, ReportSnapshot

PACK_KIND = "sharing_board_pack"
RECIPIENT_ROLES = (Role.BOARD, Role.COORDINATOR)
APPROVED, PARTLY, DECLINED, OPEN, ENDED = (
    "Approved",
    "Approved in part",
    "Declined",
    "Open",
    "Withdrawn or expired",
)
BUCKETS = (APPROVED, PARTLY, DECLINED, OPEN, ENDED)
DECISION_BUCKETS = {"approved": APPROVED, "partially_approved": PARTLY, "declined": DECLINED}
WAITING = {
    "owner": "the data owner",
    "requester": "the requester",
    "reviewer": "the challenge reviewer",
    "authoriser": "the requester's authoriser",
}


@dataclass(frozen=True)
class Overdue:
    """A request past its current deadline, and who it is waiting for."""

    reference: str
    partner: str
    status: str
    due_on: date
    working_days_overdue: int
    waiting_for: str


@dataclass(frozen=True)
class BoardPack:
    """The figures of one month's pack."""

    month: date
    partners: tuple[str, ...]
    volumes: dict[str, list[int]]
    decided: int
    median_days: float | None
    decline_reasons: dict[str, int]
    challenges: dict[str, int]
    overdue: tuple[Overdue, ...]
    previous: dict[str, JsonValue] | None
    superseded: dict[str, int]

    @property
    def received(self) -> int:
        """Requests received in the month."""
        return sum(sum(counts) for counts in self.volumes.values())

    def figures(self) -> dict[str, JsonValue]:
        """The headline figures, kept as a snapshot for the next pack's "since last time"."""
        return {
            "month": f"{self.month:%Y-%m}",
            "received": self.received,
            "decided": self.decided,
            "median_days": self.median_days,
            "declined": sum(self.decline_reasons.values()),
            "challenges": sum(self.challenges.values()),
            "superseded": sum(self.superseded.values()),
            "overdue": len(self.overdue),
        }

    def lines(self) -> tuple[str, ...]:
        """The pack as plain lines, for a notice or the terminal."""
        by_partner = [
            f"  {name}: {total} ("
            + ", ".join(
                f"{bucket.lower()} {self.volumes[bucket][i]}"
                for bucket in BUCKETS
                if self.volumes[bucket][i]
            )
            + ")"
            for i, name in enumerate(self.partners)
            if (total := sum(self.volumes[b][i] for b in BUCKETS))
        ]
        median = "none decided" if self.median_days is None else f"{self.median_days:g}"
        overdue = [
            f"  {o.reference} {o.partner}: {o.status}, waiting for {o.waiting_for}, due "
            f"{o.due_on:%d %b %Y} ({o.working_days_overdue} working days overdue)"
            for o in self.overdue
        ]
        return (
            f"Requests received: {self.received}{self._since('received')}",
            *by_partner,
            f"Decisions: {self.decided}; median working days to a decision: {median} "
            "(days waiting for the requester not counted)",
            "Decline reasons: " + _counts(self.decline_reasons),
            "Challenges: " + _counts(self.challenges),
            "Decisions replaced after an upheld challenge: " + _counts(self.superseded),
            f"Overdue now: {len(self.overdue)}{self._since('overdue')}",
            *overdue,
        )

    def _since(self, key: str) -> str:
        if not self.previous or key not in self.previous:
            return ""
        return f" (last pack, {self.previous.get('month')}: {self.previous[key]})"

    def chart_description(self) -> str:
        """What the chart shows, in words: its alternative text."""
        bars = "; ".join(
            f"{name} {sum(self.volumes[b][i] for b in BUCKETS)} ("
            + ", ".join(f"{b.lower()} {self.volumes[b][i]}" for b in BUCKETS if self.volumes[b][i])
            + ")"
            for i, name in enumerate(self.partners)
        )
        return (
            f"Bar chart of information requests received in {self.month:%B %Y} by data owner, "
            f"each bar split by how the requests ended: {bars or 'none received'}."
        )

    def chart(self) -> bytes:
        """Requests received by partner, stacked by how they ended, as a PNG."""
        return charts.stacked_bar_png(
            f"Information requests received, {self.month:%B %Y}",
            list(self.partners),
            {bucket: list(values) for bucket, values in self.volumes.items()},
        )


def _counts(counts: dict[str, int]) -> str:
    if not counts:
        return "none"
    return "; ".join(f"{name} {count}" for name, count in counts.items())


def month_bounds(month: date, uow: UnitOfWork) -> tuple[datetime, datetime]:
    """The start of `month` and of the month after, local midnight."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    zone = uow.calendar.timezone
    return (
        datetime.combine(month.replace(day=1), time(), tzinfo=zone),
        datetime.combine(following, time(), tzinfo=zone),
    )


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    first = day.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def bucket_of(request: InformationRequest, decision: str | None) -> str:
    """How a request ended, or that it is still open."""
    if request.status in (RequestStatus.WITHDRAWN, RequestStatus.EXPIRED):
        return ENDED
    return DECISION_BUCKETS.get(decision or "", OPEN)


async def latest_month(uow: UnitOfWork) -> date | None:
    """The first day of the latest month in which a request was received (None before any)."""
    latest = await store.latest_submission(uow.session)
    return None if latest is None else uow.calendar.local(latest).date().replace(day=1)


async def build_pack(uow: UnitOfWork, month: date) -> BoardPack:
    """The board pack for the month starting `month` (overdue as of now)."""
    start, end = month_bounds(month, uow)
    everything = await store.requests_submitted_before(uow.session, end)
    ids = [r.id for r in everything]
    histories = await store.decision_histories(uow.session, ids)
    decisions = {i: made[-1] for i, made in histories.items() if made}  # the ones in force
    challenges = await store.challenges_for(uow.session, ids)
    received = [r for r in everything if r.submitted_at >= start]
    partners = tuple(sorted({r.partner.name for r in received}))
    volumes = {bucket: [0] * len(partners) for bucket in BUCKETS}
    for request in received:
        decision = decisions.get(request.id)
        bucket = bucket_of(request, decision.decision if decision else None)
        volumes[bucket][partners.index(request.partner.name)] += 1
    decided = [r for r in everything if r.decided_at is not None and start <= r.decided_at < end]
    days = [d for r in decided if (d := working_days_to_decision(r, uow.calendar)) is not None]
    reasons = Counter(
        DECLINE_LABELS.get(decisions[r.id].decline_reason, decisions[r.id].decline_reason)
        for r in decided
        if r.id in decisions and decisions[r.id].decline_reason
    )
    raised = Counter(
        f"{ChallengeLevel(c.level).label} {OUTCOME_WORDS.get(c.outcome, 'pending')}"
        for items in challenges.values()
        for c in items
        if start <= c.raised_at < end
    )
    made = {d.id: d for history in histories.values() for d in history}
    replaced = Counter(
        decision_word(made[d.supersedes_id])
        for d in made.values()
        if d.supersedes_id in made and start <= d.decided_at < end
    )
    return BoardPack(
        month=month.replace(day=1),
        partners=partners,
        volumes=volumes,
        decided=len(decided),
        median_days=float(statistics.median(days)) if days else None,
        decline_reasons=dict(reasons.most_common()),
        challenges=dict(sorted(raised.items())),
        overdue=tuple(await overdue_now(uow)),
        previous=await _previous(uow, month),
        superseded=dict(sorted(replaced.items())),
    )


async def overdue_now(uow: UnitOfWork) -> list[Overdue]:
    """Open requests past the deadline of their current stage, most overdue first."""
    found = []
    for request in await store.requests_not_in(uow.session, [s.value for s in FINAL]):
        stage = STAGES.get(RequestStatus(request.status))
        due = request.stage_due_on
        if stage is None or not stage.nudges or due is None or due >= uow.today:
            continue
        case = await load_case(uow, request)
        people = holders(case, stage.holder)
        named = ", ".join(p.name for p in people)
        found.append(
            Overdue(
                request.reference,
                request.partner.name,
                RequestStatus(request.status).label,
                due,
                uow.calendar.working_days_between(due, uow.today),
                WAITING[stage.holder.value] + (f" ({named})" if named else ""),
            )
        )
    return sorted(found, key=lambda o: (-o.working_days_overdue, o.reference))


async def _previous(uow: UnitOfWork, month: date) -> dict[str, JsonValue] | None:
    rows = await uow.session.scalars(
        select(ReportSnapshot)
        .where(ReportSnapshot.kind == PACK_KIND)
        .order_by(ReportSnapshot.id.desc())
    )
    for row in rows:
        if str(row.data.get("month", "")) < f"{month:%Y-%m}":
            return dict(row.data)
    return None


async def send_monthly_pack(uow: UnitOfWork) -> bool:
    """On the first working day of a month, send last month's pack to the board, once.

    The outbox dedupe keys decide between replicas: only the sweep whose notices were queued
    keeps a snapshot of the figures.
    """
    today = uow.today
    first_working = today.replace(day=1)
    while not uow.calendar.is_working_day(first_working):
        first_working = uow.calendar.add_working_days(first_working, 1)
    if today < first_working or uow.local_now.time() < uow.calendar.opens:
        return False
    month = previous_month(today)
    latest = await uow.session.scalar(
        select(ReportSnapshot)
        .where(ReportSnapshot.kind == PACK_KIND)
        .order_by(ReportSnapshot.id.desc())
        .limit(1)
    )
    if latest is not None and str(latest.data.get("month", "")) >= f"{month:%Y-%m}":
        return False
    pack = await build_pack(uow, month)
    notice = Notice(
        kind=PACK_KIND,
        title=f"Information sharing board pack, {month:%B %Y}",
        lines=(
            *pack.lines(),
            f"Chart and register: saferhub sharing board-pack --month {month:%Y-%m} --chart "
            f"pack.png; saferhub sharing register --since {month:%Y-%m-%d} --format csv",
        ),
    )
    recipients = {
        p.id: p
        for role in RECIPIENT_ROLES
        for p in await directory.people_with_role(uow.session, role)
    }
    queued = [
        await uow.notify(
            person,
            notice,
            dedupe_key=f"board-pack:{month:%Y-%m}:{person.id}",
            via=digest_via(person),
        )
        for person in recipients.values()
    ]
    if not any(queued):
        return False
    uow.session.add(ReportSnapshot(kind=PACK_KIND, taken_at=uow.now, data=pack.figures()))
    await uow.audit(None, "sharing.board_pack_sent", "", **pack.figures())
    return True


async def pack_for(uow: UnitOfWork, actor: Person, month: date | None) -> BoardPack | None:
    """The board pack for `month` (by default the latest month with requests, as the command
    line gives it) for someone who oversees sharing; None for anyone else."""
    if not oversees(actor):
        return None
    chosen = month or await latest_month(uow) or previous_month(uow.today)
    return await build_pack(uow, chosen)
