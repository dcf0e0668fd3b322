"""What a manager sees of a concern: the evidence and its history, in `status` and on the alert.

Alex reports; Priya and Sam are the Prevent managers. Alex never sees anyone's name, and the
managers see Alex's only when Alex agreed to show it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from dialogs.messages import JsonValue, Notice
from storage.models import Person, Photo
from tests.prevent.test_alerts import outbox, press, report

SHA256 = "ab12cd34ef56" + "0" * 52


async def uploaded(hub, email: str = "alex@example.org") -> dict[str, JsonValue]:
    """A photo the reporter uploaded while reporting, kept in the hub, as the answer names it."""
    async with hub.unit() as uow:
        who = await uow.session.scalar(select(Person).where(Person.email == email))
        photo = Photo(
            person_id=who.id,
            name="wall.jpg",
            mime_type="image/jpeg",
            size=2048,
            sha256=SHA256,
            original=b"original",
            cleaned=b"cleaned",
            cleaned_mime_type="image/jpeg",
            created_at=uow.now,
        )
        uow.session.add(photo)
        await uow.session.flush()
        return {
            "file_id": f"photo:{photo.id}",
            "name": "wall.jpg",
            "size": 2048,
            "mime_type": "image/jpeg",
            "sha256": SHA256,
        }


async def test_a_managers_status_shows_the_evidence_and_the_history_in_local_time(
    sample_hub, person, clock
):
    clock.current = datetime(2026, 7, 6, 8, 0, tzinfo=UTC)  # Monday 09:00 BST
    earlier = await report(sample_hub)
    clock.advance(hours=1)
    cn = await report(sample_hub, photos=[await uploaded(sample_hub)], names_target="yes")
    priya = person("priya@example.org")
    await priya.send(press("concern.assign", cn.reference))
    await priya.say("Sam Example", "confirm")

    [status] = await priya.send(f"status {cn.reference}")

    assert isinstance(status, Notice)
    assert status.lines[4:] == (
        "What was seen: Go home, in red",
        "Reported by: the reporter",
        "P1 because: names a person, address or organisation",
        f"Related: {earlier.reference}",
        "Photos: 1",
        "- Photo 1 (SHA-256 ab12cd34ef56...)",  # never the file's own name
        "Assigned to: Sam Example",
        "History:",
        "- Mon 06 Jul 10:00 reported by the reporter",
        "- Mon 06 Jul 10:00 assigned by Priya Sample",  # which acknowledged it too
    )


async def test_the_alert_carries_the_same_evidence_and_every_copy_keeps_up(sample_hub, person):
    cn = await report(sample_hub, photos=[await uploaded(sample_hub)], names_target="yes")
    [first, *_] = await outbox(sample_hub, kind="concern_alert")
    lines = first.payload["lines"]
    assert "Photos: 1" in lines and "Assigned to: nobody yet" in lines
    assert lines[-2:] == [
        "- Mon 23 Nov 09:00 reported by the reporter",
        "Status: waiting for acknowledgement",
    ]

    await person("priya@example.org").send(press("concern.acknowledge", cn.reference))

    for row in await outbox(sample_hub, kind="concern_alert"):
        assert row.payload["lines"][-2:] == [
            "- Mon 23 Nov 09:00 acknowledged by Priya Sample",
            "Status: acknowledged",
        ]


async def test_the_reporter_is_named_only_when_they_agreed(sample_hub, person):
    cn = await report(sample_hub, show_name="yes")
    [status] = await person("priya@example.org").send(f"status {cn.reference}")
    assert "Reported by: Alex Morgan" in status.lines
    assert "- Mon 23 Nov 09:00 reported by Alex Morgan" in status.lines


async def test_the_reporters_own_status_names_nobody_and_shows_no_evidence(sample_hub, person):
    cn = await report(sample_hub, photos=[await uploaded(sample_hub)])
    await person("priya@example.org").send(press("concern.acknowledge", cn.reference))

    [status] = await person("alex@example.org").send(f"status {cn.reference}")

    assert status.title == f"{cn.reference}: acknowledged"
    assert status.lines == (
        "Priority: P3",
        "Category: Hate graffiti",
        "Where: Cheapside",
        "Reported: 23 Nov 2026",
    )
