"""Progress of the recommendations register: the report, the weekly digest, and chat queries.

The report counts items by status and RAG per source ("Vulnerability workshop 2016-12: 33,
27 closed, 6 outstanding (2 red)"), lists what changed since the last digest, the red items with
the owner's latest explanation, extensions to approve and completions to verify. It renders as
text, CSV, XLSX or a PNG chart. The digest goes to the coordinators on the first working day of
each week; its snapshot is what the next report compares against.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bot.core.charts import ChartsUnavailable, png, stacked_bar_figure
from bot.core.contacts import digest_via
from bot.core.exports import Cell, ExportFormat, Table
from bot.core.roles import Role
from bot.core.unit import ServiceError, UnitOfWork
from bot.recommendations.items import (
    APPROVE_ACTION,
    CLOSED,
    DONE,
    MAX_UNANSWERED,
    OPEN,
    REFUSE_ACTION,
    REOPEN_ACTION,
    STATUS_LABELS,
    VERIFY_ACTION,
    Rag,
    RecommendationStatus,
    can_view_register,
    rag,
    timing,
)
from dialogs.messages import JsonValue, Notice, NoticeAction, Outbound, Say
from storage import directory, register
from storage.models import Person, Recommendation, ReportSnapshot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DIGEST_KIND = "recommendation_digest"
CHART_FILE = Path("reports") / "progress.png"
RAG_ORDER = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.BLUE)
MAX_CHANGES = 30
MAX_DECISION_BUTTONS = 5
MAX_LISTED = 25
COUNT_LABELS = {**STATUS_LABELS, RecommendationStatus.COMPLETED: "awaiting verification"}


@dataclass(frozen=True)
class SourceProgress:
    """The counts for one source (workshop or review)."""

    source: str
    total: int
    closed: int
    red: int
    statuses: dict[str, int]
    rags: dict[str, int]

    @property
    def outstanding(self) -> int:
        """Items not closed (awaiting verification counts as outstanding)."""
        return self.total - self.closed

    def headline(self) -> str:
        """'Vulnerability workshop 2016-12: 33, 27 closed, 6 outstanding (2 red)'."""
        return (
            f"{self.source}: {self.total}, {self.closed} closed, "
            f"{self.outstanding} outstanding ({self.red} red)"
        )


@dataclass(frozen=True)
class ProgressReport:
    """Everything a progress report or digest says, computed once at `at`."""

    at: datetime
    sources: tuple[SourceProgress, ...]
    since: datetime | None
    changes: tuple[str, ...]
    reds: tuple[str, ...]
    extensions: tuple[str, ...]
    completions: tuple[str, ...]
    unowned: tuple[str, ...]
    silent: tuple[str, ...]
    decisions: tuple[tuple[str, str], ...] = ()
    snapshot: dict[str, JsonValue] = field(default_factory=dict)


def _state(rec: Recommendation, rating: Rag) -> dict[str, JsonValue]:
    return {
        "status": rec.status,
        "rag": rating.value,
        "owner": rec.owner.name if rec.owner else "",
        "due": rec.due_date.isoformat() if rec.due_date else "",
        "source": rec.source,
    }


def _changes(before: dict[str, JsonValue], after: dict[str, dict[str, JsonValue]]) -> list[str]:
    """Plain lines for what moved between two snapshots of the register."""
    lines = []
    for reference, now in after.items():
        then = before.get(reference)
        if not isinstance(then, dict):
            lines.append(f"{reference} added (owner {now['owner'] or 'none'})")
            continue
        moved = []
        if then.get("status") != now["status"]:
            old = str(then.get("status"))
            moved.append(
                f"{STATUS_LABELS.get(old, old)} → {STATUS_LABELS.get(str(now['status']), now['status'])}"
            )
        if then.get("rag") != now["rag"]:
            moved.append(f"RAG {then.get('rag')} → {now['rag']}")
        if then.get("owner") != now["owner"]:
            moved.append(f"owner {then.get('owner') or 'none'} → {now['owner'] or 'none'}")
        if then.get("due") != now["due"]:
            moved.append(f"due {then.get('due') or 'none'} → {now['due'] or 'none'}")
        if moved:
            lines.append(f"{reference}: " + "; ".join(moved))
    lines.extend(f"{reference} removed" for reference in before if reference not in after)
    return lines


def _matching(items: list[Recommendation], source: str | None) -> list[Recommendation]:
    if not source:
        return items
    wanted = source.strip().lower()
    chosen = [rec for rec in items if wanted in rec.source.lower()]
    if not chosen:
        known = sorted({rec.source for rec in items})
        raise ServiceError(
            f"No source matches '{source[:60]}'. Sources: {', '.join(known) or 'none yet'}."
        )
    return chosen


async def build_report(uow: UnitOfWork, source: str | None = None) -> ProgressReport:
    """The register's progress now, compared with the last digest (all sources, or one)."""
    cadence = uow.settings.recommendation_cadence_days
    items = _matching(await register.all_items(uow.session), source)
    ratings = {rec.id: rag(rec, uow.today, uow.calendar, cadence) for rec in items}
    notes = await register.latest_updates(uow.session, [rec.id for rec in items])
    by_source: dict[str, list[Recommendation]] = {}
    for rec in items:
        by_source.setdefault(rec.source, []).append(rec)
    sources = tuple(
        SourceProgress(
            source=name,
            total=len(recs),
            closed=sum(rec.status in CLOSED for rec in recs),
            red=sum(rec.status not in CLOSED and ratings[rec.id] is Rag.RED for rec in recs),
            statuses=dict(Counter(rec.status for rec in recs)),
            rags=dict(Counter(ratings[rec.id].value for rec in recs)),
        )
        for name, recs in sorted(by_source.items())
    )
    state = {rec.reference: _state(rec, ratings[rec.id]) for rec in items}
    last = await register.last_snapshot(uow.session, DIGEST_KIND)
    changes: list[str] = []
    if last is not None:
        previous = last.data.get("items")
        before = dict(previous) if isinstance(previous, dict) else {}
        if source:
            before = {
                ref: then
                for ref, then in before.items()
                if ref in state or (isinstance(then, dict) and then.get("source") in by_source)
            }
        changes = _changes(before, state)

    def owner(rec: Recommendation) -> str:
        return rec.owner.name if rec.owner else "no owner"

    def explained(rec: Recommendation) -> str:
        note = notes.get(rec.id)
        if rec.rag_override == Rag.RED.value and rec.rag_override_reason:
            return f"rated red by a coordinator: {rec.rag_override_reason}"
        if note is None:
            return "no explanation from the owner yet"
        return f'"{note.note}" ({uow.calendar.local(note.at):%d %b})'

    outstanding = [rec for rec in items if rec.status not in CLOSED]
    reds = tuple(
        f"{rec.reference} {rec.title} ({owner(rec)}, {timing(rec, uow.today, uow.calendar)}): "
        f"{explained(rec)}"
        for rec in outstanding
        if ratings[rec.id] is Rag.RED
    )
    extensions = [rec for rec in items if rec.status == RecommendationStatus.EXTENSION_REQUESTED]
    completions = [rec for rec in items if rec.status == RecommendationStatus.COMPLETED]
    return ProgressReport(
        at=uow.now,
        sources=sources,
        since=last.taken_at if last else None,
        changes=tuple(changes),
        reds=reds,
        extensions=tuple(
            f"{rec.reference} {rec.title} ({owner(rec)}): "
            + (f"due {rec.due_date:%d %b %Y}" if rec.due_date else "no due date")
            + " → "
            + (
                f"{rec.requested_due_date:%d %b %Y}"
                if rec.requested_due_date
                else "new date not given"
            )
            + (f': "{notes[rec.id].note}"' if rec.id in notes else "")
            for rec in extensions
        ),
        completions=tuple(
            f"{rec.reference} {rec.title} ({owner(rec)})"
            + (f': "{notes[rec.id].note}"' if rec.id in notes else "")
            for rec in completions
        ),
        unowned=tuple(
            f"{rec.reference} {rec.title}" for rec in outstanding if rec.owner_id is None
        ),
        silent=tuple(
            f"{rec.reference} {rec.title} ({owner(rec)}): no answer to {rec.unanswered_nudges} nudges"
            for rec in outstanding
            if rec.status in OPEN and rec.unanswered_nudges >= MAX_UNANSWERED
        ),
        decisions=(
            *(
                (rec.reference, "extension" if rec.requested_due_date else "undated_extension")
                for rec in extensions
            ),
            *((rec.reference, "completion") for rec in completions),
        ),
        snapshot={"items": dict(state)},
    )


def _counts(mapping: dict[str, int], labels: dict[str, str]) -> str:
    return ", ".join(f"{count} {labels.get(key, key)}" for key, count in mapping.items() if count)


def report_lines(report: ProgressReport) -> list[str]:
    """The report as plain lines: per-source counts, then the sections that need attention."""
    lines: list[str] = []
    for progress in report.sources:
        statuses = {s: progress.statuses.get(s, 0) for s in STATUS_LABELS}
        rags = {r.value: progress.rags.get(r.value, 0) for r in RAG_ORDER}
        lines.append(progress.headline())
        lines.append(f"  Status: {_counts(statuses, COUNT_LABELS)}")
        lines.append(f"  RAG: {_counts(rags, {})}")
    if len(report.sources) > 1:
        total = sum(p.total for p in report.sources)
        closed = sum(p.closed for p in report.sources)
        red = sum(p.red for p in report.sources)
        lines.append(
            f"All sources: {total}, {closed} closed, {total - closed} outstanding ({red} red)"
        )
    since = f" ({report.since:%d %b %Y})" if report.since else ""
    sections = (
        (f"Changes since the last report{since}", report.changes),
        ("Red, with the owner's latest explanation", report.reds),
        ("Extensions to approve", report.extensions),
        ("Completions to verify", report.completions),
        ("Waiting for a new owner", report.unowned),
        ("Owners not answering", report.silent),
    )
    for heading, entries in sections:
        if report.since is None and heading.startswith("Changes"):
            lines.append(f"{heading}: none, this is the first report.")
            continue
        if not entries:
            lines.append(f"{heading}: none.")
            continue
        lines.append(f"{heading}:")
        lines.extend(f"- {entry}" for entry in entries[:MAX_CHANGES])
        if len(entries) > MAX_CHANGES:
            lines.append(f"- and {len(entries) - MAX_CHANGES} more")
    return lines


def report_title(local_now: datetime) -> str:
    """The heading of a report or digest, dated in the partnership's timezone."""
    return f"Recommendations progress, {local_now:%a %d %b %Y}"


def report_text(report: ProgressReport, uow: UnitOfWork) -> str:
    """The report for a terminal or a file."""
    return "\n".join([report_title(uow.local_now), "", *report_lines(report)]) + "\n"


def report_table(report: ProgressReport) -> Table:
    """One row per source (and a total): counts by status and by RAG."""
    statuses = list(STATUS_LABELS)
    rags = [r.value for r in RAG_ORDER]
    rows: list[tuple[Cell, ...]] = [
        (
            p.source,
            p.total,
            p.closed,
            p.outstanding,
            p.red,
            *(p.rags.get(r, 0) for r in rags),
            *(p.statuses.get(s, 0) for s in statuses),
        )
        for p in report.sources
    ]
    rows = with_total(rows)
    return Table(
        "Progress",
        ("source", "total", "closed", "outstanding", "red_outstanding", *rags, *statuses),
        tuple(rows),
    )


def report_png(report: ProgressReport, uow: UnitOfWork) -> bytes:
    """The chart of the report as PNG bytes (`report_chart`)."""
    return png(report_chart(report, uow))


def report_chart(report: ProgressReport, uow: UnitOfWork) -> Figure:
    """A stacked bar per source by RAG: closed items in blue, open ones red, amber or green."""
    names = {Rag.BLUE: "Blue (closed)", Rag.GREEN: "Green", Rag.AMBER: "Amber", Rag.RED: "Red"}
    series = {
        names[r]: [p.rags.get(r.value, 0) for p in report.sources]
        for r in (Rag.BLUE, Rag.GREEN, Rag.AMBER, Rag.RED)
    }
    return stacked_bar_figure(
        f"Recommendations by RAG, {uow.local_now:%d %b %Y}",
        [p.source for p in report.sources],
        series,
    )


def default_chart_path(directory: Path) -> Path:
    """Where the chart goes when no file is named: `reports/progress.png` under `directory` (the
    one the command runs in), the folder created if missing, never inside the installed code."""
    path = directory / CHART_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def digest_notice(report: ProgressReport, uow: UnitOfWork) -> Notice:
    """The weekly digest for coordinators, with buttons for the first pending decisions."""
    buttons: list[NoticeAction] = []
    extensions = [(ref, kind) for ref, kind in report.decisions if kind.endswith("extension")]
    completions = [ref for ref, kind in report.decisions if kind == "completion"]
    for ref, kind in extensions[:MAX_DECISION_BUTTONS]:
        if kind == "extension":
            buttons.append(NoticeAction(APPROVE_ACTION, f"{ref} approve new date", ref))
        buttons.append(NoticeAction(REFUSE_ACTION, f"{ref} refuse", ref))
    for ref in completions[:MAX_DECISION_BUTTONS]:
        buttons.append(NoticeAction(VERIFY_ACTION, f"{ref} verify", ref))
        buttons.append(NoticeAction(REOPEN_ACTION, f"{ref} reopen", ref))
    return Notice(
        DIGEST_KIND,
        report_title(uow.local_now),
        tuple(report_lines(report)),
        "",
        tuple(buttons),
    )


async def send_digest(uow: UnitOfWork) -> int:
    """Sweep: on the first working day of each week, after opening, the digest to every coordinator.

    Once a week: the outbox dedupe key (week and coordinator) decides, so a second replica or a
    restart finds this week's digest already queued and sends nothing; the snapshot it records is
    what the next report's "changes since" compares with.
    """
    calendar = uow.calendar
    if calendar.next_office_moment(uow.now) != uow.now:
        return 0
    today = uow.today
    week_start = today - timedelta(days=today.weekday())
    last = await register.last_snapshot(uow.session, DIGEST_KIND)
    if last is not None and calendar.local(last.taken_at).date() >= week_start:
        return 0
    coordinators = await directory.people_with_role(uow.session, Role.COORDINATOR)
    if not coordinators:
        return 0
    report = await build_report(uow)
    notice = digest_notice(report, uow)
    year, week, _day = today.isocalendar()
    sent = 0
    for coordinator in coordinators:
        added = await uow.notify(
            coordinator,
            notice,
            dedupe_key=f"rec-digest:{year}-W{week:02d}:{coordinator.id}",
            via=digest_via(coordinator),
        )
        if not added and not sent:
            return 0
        sent += int(added)
    uow.session.add(ReportSnapshot(kind=DIGEST_KIND, taken_at=uow.now, data=report.snapshot))
    await uow.audit(
        None,
        "recommendations.digest",
        "",
        recipients=[c.email for c in coordinators],
        outstanding=sum(p.outstanding for p in report.sources),
    )
    return sent


def _listing(
    uow: UnitOfWork, items: list[Recommendation], title: str, empty: str, kind: str
) -> Outbound:
    if not items:
        return Say(empty)
    cadence = uow.settings.recommendation_cadence_days
    lines = [
        f"{rec.reference} [{rag(rec, uow.today, uow.calendar, cadence).value.upper()}] {rec.title} "
        f"({rec.owner.name if rec.owner else 'no owner'}, {STATUS_LABELS.get(rec.status, rec.status)}, "
        f"{timing(rec, uow.today, uow.calendar)})"
        for rec in items[:MAX_LISTED]
    ]
    if len(items) > MAX_LISTED:
        lines.append(
            f"and {len(items) - MAX_LISTED} more: saferhub report progress lists them all."
        )
    return Notice(kind, f"{title} ({len(items)})", tuple(lines))


async def overdue_actions(uow: UnitOfWork, actor: Person) -> Outbound:
    """Overdue open items: every one for coordinators and the board, else the actor's own."""
    items = [
        rec
        for rec in await register.all_items(uow.session)
        if rec.status not in DONE
        and rec.due_date is not None
        and rec.due_date < uow.today
        and (can_view_register(actor) or rec.owner_id == actor.id)
    ]
    items.sort(key=lambda rec: (rec.due_date, rec.reference))
    whose = (
        "Overdue recommendations" if can_view_register(actor) else "Your overdue recommendations"
    )
    return _listing(uow, items, whose, "Nothing is overdue.", "overdue_actions")


async def actions_for(uow: UnitOfWork, actor: Person, service: str) -> Outbound:
    """Open items of one service or partner (coordinators and the board only)."""
    if not can_view_register(actor):
        return Say(
            "Only coordinators and the board can list other services' actions. "
            "Say 'my actions' for yours."
        )
    wanted = service.strip().lower()
    if not wanted:
        return Say("Which service? For example: actions for Housing.")
    items = [
        rec
        for rec in await register.all_items(uow.session)
        if rec.status not in CLOSED
        and any(
            wanted in text.lower()
            for text in (
                rec.owning_service,
                rec.owner.department if rec.owner else "",
                rec.owner.partner.name if rec.owner and rec.owner.partner else "",
            )
        )
    ]
    return _listing(
        uow,
        items,
        f"Open recommendations for {service.strip()[:60]}",
        f"No open recommendations for {service.strip()[:60]}.",
        "actions_for",
    )


async def progress_summary(uow: UnitOfWork, actor: Person) -> Outbound:
    """The progress report in chat (coordinators and the board)."""
    if not can_view_register(actor):
        return Say("Only coordinators and the board can see the progress report. Say 'my actions'.")
    report = await build_report(uow)
    return Notice("progress_report", report_title(uow.local_now), tuple(report_lines(report)))


async def render_report(uow: UnitOfWork, source: str | None, fmt: str) -> str | bytes:
    """The progress report as text, CSV, XLSX or a PNG chart (`saferhub report progress`)."""
    report = await build_report(uow, source)
    if fmt in tuple(ExportFormat):
        return report_table(report).rendered(fmt)
    if fmt == "png":
        try:
            return report_png(report, uow)
        except ChartsUnavailable as missing:
            raise ServiceError(str(missing)) from missing
    return report_text(report, uow)


CHART_COLUMNS = ("Source", "Total", "Red", "Amber", "Green", "Blue (closed)", "Outstanding")


@dataclass(frozen=True)
class ProgressChart:
    """The progress chart for a page: its title, the PNG (None without matplotlib), a text
    alternative, and the same figures as a table (CHART_COLUMNS, a row per source and a total)."""

    title: str
    png: bytes | None
    alt: str
    rows: tuple[tuple[str | int, ...], ...]


R = TypeVar("R", bound=tuple[Any, ...])


def with_total(rows: list[R]) -> list[R]:
    """`rows` (a source's name, then its figures), with an "All sources" row adding up each
    figure when there is more than one source."""
    if len(rows) < 2:
        return rows
    width = len(rows[0])
    total = ("All sources", *(sum(int(str(row[i])) for row in rows) for i in range(1, width)))
    return [*rows, cast(R, total)]


async def progress_chart(uow: UnitOfWork, actor: Person) -> ProgressChart | None:
    """The register's progress by source and RAG, as a chart and a table, for coordinators, the
    chair and the board (None for anyone else)."""
    if not can_view_register(actor):
        return None
    report = await build_report(uow)
    rows: list[tuple[str | int, ...]] = [
        (
            p.source,
            p.total,
            *(p.rags.get(r.value, 0) for r in RAG_ORDER),
            p.outstanding,
        )
        for p in report.sources
    ]
    rows = with_total(rows)
    try:
        image: bytes | None = report_png(report, uow)
    except ChartsUnavailable:
        image = None
    alt = "Bar chart of recommendations by RAG rating for each source. " + " ".join(
        f"{p.source}: {p.rags.get(Rag.RED.value, 0)} red, {p.rags.get(Rag.AMBER.value, 0)} "
        f"amber, {p.rags.get(Rag.GREEN.value, 0)} green, {p.rags.get(Rag.BLUE.value, 0)} closed."
        for p in report.sources
    )
    return ProgressChart(report_title(uow.local_now), image, alt, tuple(rows))
