"""The hub's tables as typed SQLAlchemy 2 models.

Everything the bot knows lives here: the directory, the three kinds of record, dialog sessions,
the dedupe table, the outbox and the hash-chained audit log. Times are stored timezone-aware in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.crypto import EncryptedBytes, EncryptedJson, EncryptedText
from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = dict[str, Any]
IdType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        Json: JSON,
        list[str]: JSON,
    }


class Partner(Base):
    """An organisation of the partnership, and the kinds of data it holds."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    data_categories: Mapped[list[str]] = mapped_column(default=list)
    requires_authoriser: Mapped[bool] = mapped_column(Boolean, default=False)


class CatalogueEntry(Base):
    """One category of information a partner holds, in plain words with examples, so that a
    requester who does not know what to ask for can find the right owner."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (UniqueConstraint("partner_id", "category"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    examples: Mapped[str] = mapped_column(Text, default="")


class Person(Base):
    """Someone in the directory, linked to Slack and Teams by platform ids and email."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    department: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    slack_user_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    teams_aad_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    in_directory: Mapped[bool] = mapped_column(Boolean, default=True)
    organisation_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    """False for a leaver: they cannot sign in to the web hub."""
    preferred_channel: Mapped[str] = mapped_column(String(10), default="", server_default="")
    """slack, teams or email; "" for the first chat address known, then email."""
    digests_by_email: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    """Whether their digests (a coordinator's weekly one, the board pack's link) go by email."""
    email_failing_since: Mapped[datetime | None]
    """When a mail server refused their address for good; nothing more is emailed until an
    admin clears it."""
    email_failing_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")

    partner: Mapped[Partner | None] = relationship(lazy="joined")
    roles: Mapped[list[PersonRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="person"
    )

    def has_role(self, role: str, partner_id: int | None = None) -> bool:
        """Whether this person holds `role` (for `partner_id`, when the role is per partner)."""
        return any(
            r.role == role and (partner_id is None or r.partner_id == partner_id)
            for r in self.roles
        )


class PersonRole(Base):
    """A role held by a person; data_owner roles name the partner they answer for."""

    __tablename__ = "person_role"
    __table_args__ = (UniqueConstraint("person_id", "role", "partner_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))

    person: Mapped[Person] = relationship(back_populates="roles")


class ChannelAddress(Base):
    """How to reach a person proactively on a platform (a Teams conversation reference, say)."""

    __tablename__ = "channel_address"
    __table_args__ = (UniqueConstraint("person_id", "platform"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    reference: Mapped[Json] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class SharingAgreement(Base):
    """A sharing agreement under the protocol, cited by requests."""

    __tablename__ = "sharing_agreement"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    parties: Mapped[list[str]] = mapped_column(default=list)
    purposes: Mapped[list[str]] = mapped_column(default=list)
    lawful_bases: Mapped[str] = mapped_column(Text, default="")
    review_date: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    review_notified_at: Mapped[datetime | None]


class ReferenceCounter(Base):
    """The last number issued per prefix and year (CN-2026-0042)."""

    __tablename__ = "reference_counter"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Concern(Base):
    """A visual-audit concern, with its triage outcome."""

    __tablename__ = "concern"
    __table_args__ = (
        Index("ix_concern_status_ack_due", "status", "ack_due_at"),
        Index("ix_concern_street_seen", "street_key", "seen_at"),
        Index("ix_concern_sector_seen", "postcode_sector", "seen_at"),
        Index("ix_concern_seen_at", "seen_at"),
        Index("ix_concern_removal_due", "removal_status", "removal_due_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    """None once the concern is anonymised (storage/retention.py)."""
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(EncryptedText)
    location_text: Mapped[str] = mapped_column(EncryptedText)
    street_key: Mapped[str] = mapped_column(String(120), default="")
    postcode_sector: Mapped[str] = mapped_column(String(10), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_type: Mapped[str] = mapped_column(String(40))
    seen_at: Mapped[datetime]
    answers: Mapped[Json] = mapped_column(EncryptedJson, default=dict)
    priority: Mapped[str] = mapped_column(String(4))
    reasons: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(30), default="new")
    marking: Mapped[str] = mapped_column(String(30), default="official")
    created_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    duplicate_of: Mapped[str | None] = mapped_column(String(20))
    folded_into: Mapped[str | None] = mapped_column(String(20))
    fold_count: Mapped[int] = mapped_column(Integer, default=0)
    removal_due_at: Mapped[datetime | None]
    removal_by: Mapped[str | None] = mapped_column(String(20))
    """The code of the partner asked to remove it (its liaison officers answer the request)."""
    removal_status: Mapped[str | None] = mapped_column(String(20))
    """None until a removal is requested; then requested, removed or cannot_remove."""
    removal_requested_at: Mapped[datetime | None]
    removal_remind_at: Mapped[datetime | None]
    removal_reminded_at: Mapped[datetime | None]
    removal_escalated_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    removal_note: Mapped[str] = mapped_column(EncryptedText, default="")
    """The remover's note (removed) or reason (cannot remove)."""
    outcome: Mapped[str] = mapped_column(EncryptedText, default="")
    closed_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TensionArea(Base):
    """An area the manager marked as elevated tension for a period (raises new concerns to P2)."""

    __tablename__ = "tension_area"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    area_key: Mapped[str] = mapped_column(String(120), index=True)
    label: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    """The gazetteer place's coordinates: concerns within `radius_m` of them are in the area."""
    radius_m: Mapped[float | None] = mapped_column(Float)


class GazetteerEntry(Base):
    """A named place of the area (street, locality, postcode or landmark) with its coordinates,
    from OS Open Names or the council's own list; concern locations resolve against these."""

    __tablename__ = "gazetteer_entry"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200), index=True)
    """The name normalised as locations are matched: lower case, no punctuation."""
    postcode_district: Mapped[str] = mapped_column(String(4), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


class TriggerEvent(Base):
    """An event the manager flagged (an attack, a protest): concerns soon after it are P1."""

    __tablename__ = "trigger_event"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime]


class ConcernEvent(Base):
    """Something that happened to a concern: triaged, acknowledged, referred, closed..."""

    __tablename__ = "concern_event"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("concern.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[Json] = mapped_column(default=dict)
    at: Mapped[datetime]


class ConcernFollowUp(Base):
    """A manager's question to a concern's reporter and, once given, the reporter's answer."""

    __tablename__ = "concern_follow_up"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("concern.id", ondelete="CASCADE"), index=True
    )
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    question: Mapped[str] = mapped_column(EncryptedText)
    asked_at: Mapped[datetime]
    answer: Mapped[str] = mapped_column(EncryptedText, default="")
    answered_at: Mapped[datetime | None]
    """None while the question waits for its answer."""


class Attachment(Base):
    """A photo attached to a record: where it lives on the platform, never its bytes."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    record_reference: Mapped[str] = mapped_column(String(20), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))


class Photo(Base):
    """A photo kept in the hub: the original as received (with its SHA-256, for evidence) and a
    copy re-encoded without EXIF or any other metadata, the only one ever shown. It belongs to
    the draft it was uploaded into until the record is made, then to the record."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialog_session.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    record_reference: Mapped[str] = mapped_column(String(20), index=True, default="")
    name: Mapped[str] = mapped_column(EncryptedText)
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    original: Mapped[bytes] = mapped_column(EncryptedBytes)
    cleaned: Mapped[bytes] = mapped_column(EncryptedBytes)
    cleaned_mime_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class InformationRequest(Base):
    """A request for information from a partner, with its working-day deadlines."""

    __tablename__ = "information_request"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_agreement.id"))
    purpose_type: Mapped[str] = mapped_column(String(40))
    urgency: Mapped[str] = mapped_column(String(30))
    lawful_basis: Mapped[str] = mapped_column(String(300))
    answers: Mapped[Json] = mapped_column(EncryptedJson, default=dict)
    status: Mapped[str] = mapped_column(String(30), default="submitted", index=True)
    submitted_at: Mapped[datetime]
    acknowledge_by: Mapped[date] = mapped_column(Date)
    decide_by: Mapped[date] = mapped_column(Date)
    needed_by: Mapped[date | None] = mapped_column(Date)
    delete_by: Mapped[date | None] = mapped_column(Date, index=True)
    """The requester's own deletion date, kept plain so the reminder sweep can find it."""
    delete_reminded_at: Mapped[datetime | None]
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    authoriser_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    """Who the requester named to authorise it, where the data owner requires an authoriser."""
    authorised_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    more_info_question: Mapped[str] = mapped_column(EncryptedText, default="")
    stage_started_on: Mapped[date | None] = mapped_column(Date)
    stage_due_on: Mapped[date | None] = mapped_column(Date)
    nudge_stage: Mapped[int] = mapped_column(Integer, default=0)
    next_nudge_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    partner: Mapped[Partner] = relationship(lazy="joined")
    agreement: Mapped[SharingAgreement | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class RequestEvent(Base):
    """One step of a request's life cycle: who moved it from which status to which, and why."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("information_request.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    note: Mapped[Json] = mapped_column(default=dict)
    at: Mapped[datetime]


class Challenge(Base):
    """A challenge to a refusal, at one level: the owner's reviewer, the DPO, then the board."""

    __tablename__ = "challenge"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("information_request.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(30))
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    reasons: Mapped[str] = mapped_column(EncryptedText)
    raised_at: Mapped[datetime]
    due_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(30), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(EncryptedText, default="")


class RequestDecision(Base):
    """The data owner's decision record (after the ICO data-sharing code's template)."""

    __tablename__ = "request_decision"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("information_request.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(30))
    decline_reason: Mapped[str] = mapped_column(String(40), default="")
    lawful_basis: Mapped[str] = mapped_column(String(300), default="")
    reasons: Mapped[str] = mapped_column(EncryptedText, default="")
    shared_description: Mapped[str] = mapped_column(EncryptedText, default="")
    redactions: Mapped[str] = mapped_column(EncryptedText, default="")
    withheld: Mapped[str] = mapped_column(EncryptedText, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    position: Mapped[str] = mapped_column(String(200), default="")
    retention: Mapped[str] = mapped_column(String(200), default="")
    security: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime]
    # A decision made after an upheld challenge replaces the one before it, which is kept.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("request_decision.id"))
    # The fulfilment of the decision: what was sent (a description, not the data), how, when.
    sent_description: Mapped[str] = mapped_column(EncryptedText, default="")
    sent_route: Mapped[str] = mapped_column(String(200), default="")
    sent_on: Mapped[date | None] = mapped_column(Date)
    fulfilled_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    fulfilled_at: Mapped[datetime | None]


class Recommendation(Base):
    """A workshop recommendation with an owner, a due date and a nudge schedule."""

    __tablename__ = "recommendation"
    __table_args__ = (Index("ix_recommendation_next_nudge", "next_nudge_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(40), default="process")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    owning_service: Mapped[str] = mapped_column(String(200), default="")
    grade: Mapped[str] = mapped_column(String(20), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(40), default="not_started")
    rag_override: Mapped[str | None] = mapped_column(String(10))
    rag_override_reason: Mapped[str | None] = mapped_column(Text)
    due_date_changes: Mapped[int] = mapped_column(Integer, default=0)
    last_update_at: Mapped[datetime | None]
    next_nudge_at: Mapped[datetime | None]
    last_nudged_at: Mapped[datetime | None]
    unanswered_nudges: Mapped[int] = mapped_column(Integer, default=0)
    snoozes: Mapped[int] = mapped_column(Integer, default=0)
    snoozed_until: Mapped[datetime | None]
    owner_rag: Mapped[str | None] = mapped_column(String(10))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    requested_due_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    owner: Mapped[Person | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class RecommendationUpdate(Base):
    """One entry of a recommendation's history: an owner's reply or a coordinator's change."""

    __tablename__ = "recommendation_update"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    new_status: Mapped[str | None] = mapped_column(String(40))
    new_due_date: Mapped[date | None] = mapped_column(Date)
    rag: Mapped[str | None] = mapped_column(String(10))
    at: Mapped[datetime]


class ReportSnapshot(Base):
    """The figures of a progress report or board pack when it was sent, for "changes since"."""

    __tablename__ = "report_snapshot"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    taken_at: Mapped[datetime]
    data: Mapped[Json] = mapped_column(default=dict)


class DialogSession(Base):
    """A conversation in flight for one address, saved with an optimistic version check."""

    __tablename__ = "dialog_session"
    __table_args__ = (
        Index(
            "uq_dialog_session_active_address",
            "address_key",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    address_key: Mapped[str] = mapped_column(String(400))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    form_id: Mapped[str] = mapped_column(String(40))
    state: Mapped[Json] = mapped_column(EncryptedJson, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    offered_back: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20), default="")
    then_text: Mapped[str] = mapped_column(EncryptedText, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SignInLink(Base):
    """A one-time sign-in link to the web hub; only a hash of its token is kept."""

    __tablename__ = "sign_in_link"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LinkRequest(Base):
    """Someone asked the sign-in page to email a link: counted per client to limit the asking,
    whether or not the address was known (only a hash of the client's address is kept)."""

    __tablename__ = "link_request"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in web visit; the cookie holds a token of which only the hash is kept."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """An inbound event that has been handled; its key makes retries harmless."""

    __tablename__ = "processed_event"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime]


class OutboxMessage(Base):
    """A proactive message to deliver, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    channel: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40))
    record_reference: Mapped[str] = mapped_column(String(20), default="", index=True)
    payload: Mapped[Json] = mapped_column(EncryptedJson, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None]
    # When the earliest send whose outcome was never recorded began (committed before the post);
    # cleared once a send is known to have failed. Set on a claimed row: the message may be out.
    unconfirmed_since: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    platform: Mapped[str | None] = mapped_column(String(20))
    platform_message_id: Mapped[str | None] = mapped_column(String(200))
    platform_conversation: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    """One action on the record; each row carries the hash of the row before it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(60))
    record_reference: Mapped[str] = mapped_column(String(20), default="", index=True)
    summary: Mapped[Json] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The newest audit hash, one row; locking it serialises appends across replicas."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=0)
