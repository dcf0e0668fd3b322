"""The life-cycle table against an independent statement of DOMAIN.md section 3.

Every (status, action, party) combination is checked: the legal ones move to the expected status,
every other one is refused with a reason, and nothing outside the list below is ever allowed.
"""

from __future__ import annotations

import itertools

import pytest

from bot.core.checks import Allowed, Refused
from bot.sharing.lifecycle import (
    FINAL,
    STAGES,
    TRANSITIONS,
    ChallengeLevel,
    Guard,
    Party,
    RequestAction,
    RequestStatus,
    available,
    check,
    notice_actions,
)

S, A, P = RequestStatus, RequestAction, Party
ALL_GUARDS = frozenset(Guard)
BEFORE_DECISION = (S.SUBMITTED, S.ACKNOWLEDGED, S.UNDER_REVIEW)

# (from, action, party) -> to: the cycle as DOMAIN.md describes it, written out by hand.
LEGAL: dict[tuple[RequestStatus, RequestAction, Party], RequestStatus] = {
    (S.SUBMITTED, A.ACKNOWLEDGE, P.OWNER): S.ACKNOWLEDGED,
    **{(s, A.ASK, P.OWNER): S.MORE_INFO_NEEDED for s in BEFORE_DECISION},
    (S.MORE_INFO_NEEDED, A.ANSWER, P.REQUESTER): S.UNDER_REVIEW,
    **{(s, A.APPROVE, P.OWNER): S.APPROVED for s in BEFORE_DECISION},
    **{(s, A.APPROVE_IN_PART, P.OWNER): S.PARTIALLY_APPROVED for s in BEFORE_DECISION},
    **{(s, A.DECLINE, P.OWNER): S.DECLINED for s in BEFORE_DECISION},
    **{(s, A.REDIRECT, P.OWNER): S.SUBMITTED for s in BEFORE_DECISION},
    (S.DECLINED, A.CHALLENGE, P.REQUESTER): S.CHALLENGED,
    (S.PARTIALLY_APPROVED, A.CHALLENGE, P.REQUESTER): S.CHALLENGED,
    (S.CHALLENGED, A.UPHOLD, P.REVIEWER): S.CHALLENGE_UPHELD,
    (S.CHALLENGED, A.REJECT, P.REVIEWER): S.CHALLENGE_REJECTED,
    (S.CHALLENGE_REJECTED, A.ESCALATE, P.REQUESTER): S.CHALLENGED,
    # An upheld challenge reopens the decision: the owner records a new one that supersedes it.
    (S.CHALLENGE_UPHELD, A.APPROVE, P.OWNER): S.APPROVED,
    (S.CHALLENGE_UPHELD, A.APPROVE_IN_PART, P.OWNER): S.PARTIALLY_APPROVED,
    **{
        (s, A.FULFIL, p): S.FULFILLED
        for s in (S.APPROVED, S.PARTIALLY_APPROVED)
        for p in (P.REQUESTER, P.OWNER)
    },
    **{
        (s, A.WITHDRAW, P.REQUESTER): S.WITHDRAWN
        for s in (
            *BEFORE_DECISION,
            S.AWAITING_AUTHORISATION,
            S.MORE_INFO_NEEDED,
            S.APPROVED,
            S.PARTIALLY_APPROVED,
            S.CHALLENGE_UPHELD,
        )
    },
    **{(S.FULFILLED, A.CLOSE, p): S.CLOSED for p in (P.REQUESTER, P.OWNER, P.SYSTEM)},
    **{
        (s, A.CLOSE, p): S.CLOSED
        for s in (S.DECLINED, S.CHALLENGE_REJECTED)
        for p in (P.REQUESTER, P.SYSTEM)
    },
    (S.MORE_INFO_NEEDED, A.EXPIRE, P.SYSTEM): S.EXPIRED,
    (S.AWAITING_AUTHORISATION, A.AUTHORISE, P.AUTHORISER): S.SUBMITTED,
    (S.AWAITING_AUTHORISATION, A.REFUSE, P.AUTHORISER): S.NOT_AUTHORISED,
}
EVERY = list(itertools.product(RequestStatus, RequestAction, Party))


@pytest.mark.parametrize(("status", "action", "party"), EVERY, ids=lambda v: str(v))
def test_every_combination_is_allowed_exactly_when_the_domain_says_so(status, action, party):
    verdict = check("IR-2026-0001", status, action, frozenset({party}), ALL_GUARDS)
    expected = LEGAL.get((status, action, party))
    if expected is None:
        assert isinstance(verdict, Refused)
        assert verdict.reason and "IR-2026-0001" in verdict.reason
    else:
        assert isinstance(verdict, Allowed)
        assert verdict.value.target is expected


def test_the_table_has_no_row_the_domain_does_not_list():
    rows = {
        (source, t.action, party): t.target
        for t in TRANSITIONS
        for source in t.sources
        for party in t.parties
    }
    assert rows == LEGAL


def test_final_statuses_allow_nothing_and_have_no_deadline():
    for status, action, party in EVERY:
        if status in FINAL:
            assert isinstance(
                check("IR-1", status, action, frozenset({party}), ALL_GUARDS), Refused
            )
            assert available(status, frozenset(Party), ALL_GUARDS) == ()
    assert not FINAL & set(STAGES)
    assert set(STAGES) | FINAL == set(RequestStatus)


def test_approving_a_withdrawn_request_says_it_is_withdrawn():
    verdict = check("IR-2026-0003", S.WITHDRAWN, A.APPROVE, frozenset({P.OWNER}))
    assert verdict.reason == "IR-2026-0003 is withdrawn, so nothing more can be done with it."


def test_a_requester_cannot_approve_their_own_request():
    verdict = check("IR-2026-0003", S.SUBMITTED, A.APPROVE, frozenset({P.REQUESTER}))
    assert verdict.reason == (
        "You made IR-2026-0003, so you cannot approve it: that is for the data owner's liaison "
        "officers (or their deputies)."
    )


def test_acting_twice_says_it_is_already_done():
    verdict = check("IR-2026-0003", S.ACKNOWLEDGED, A.ACKNOWLEDGE, frozenset({P.OWNER}))
    assert verdict.reason == "IR-2026-0003 is already acknowledged."
    verdict = check("IR-2026-0003", S.DECLINED, A.APPROVE, frozenset({P.OWNER}))
    assert verdict.reason.startswith("IR-2026-0003 is declined, so you cannot approve it now.")


def test_someone_with_no_part_is_told_who_can():
    verdict = check("IR-2026-0003", S.CHALLENGED, A.UPHOLD, frozenset())
    assert verdict.reason == (
        "Only the challenge reviewer at the current level can decide the challenge to IR-2026-0003."
    )
    closing = check("IR-2026-0003", S.DECLINED, A.CLOSE, frozenset({P.OWNER}))
    assert closing.reason == "Only the requester can close IR-2026-0003."


def test_guards_close_the_challenge_window_and_end_at_the_board():
    late = check("IR-9", S.DECLINED, A.CHALLENGE, frozenset({P.REQUESTER}))
    assert late.reason == "The window to challenge IR-9 has closed."
    final = check(
        "IR-9", S.CHALLENGE_REJECTED, A.ESCALATE, frozenset({P.REQUESTER}), {Guard.CHALLENGE_WINDOW}
    )
    assert "every level of challenge" in final.reason
    allowed = check("IR-9", S.CHALLENGE_REJECTED, A.ESCALATE, frozenset({P.REQUESTER}), ALL_GUARDS)
    assert isinstance(allowed, Allowed)


def test_buttons_come_from_the_table():
    owner = notice_actions("IR-1", S.SUBMITTED, frozenset({P.OWNER}))
    assert [b.label for b in owner] == [
        "Acknowledge",
        "Ask for more information",
        "Approve",
        "Approve in part",
        "Decline",
        "Redirect to another owner",
    ]
    assert {b.action for b in owner} <= {f"request.{a.value}" for a in RequestAction}
    requester = notice_actions("IR-1", S.DECLINED, frozenset({P.REQUESTER}), ALL_GUARDS)
    assert [b.label for b in requester] == ["Challenge the decision", "Accept and close"]
    outside = notice_actions("IR-1", S.DECLINED, frozenset({P.REQUESTER}))
    assert [b.label for b in outside] == ["Accept and close"]
    assert notice_actions("IR-1", S.CHALLENGED, frozenset({P.OWNER})) == ()


def test_an_authoriser_acts_once_and_never_on_a_withdrawn_request():
    twice = check("IR-2026-0003", S.SUBMITTED, A.AUTHORISE, frozenset({P.AUTHORISER}))
    assert twice.reason == "IR-2026-0003 is already submitted."
    refused = check("IR-2026-0003", S.NOT_AUTHORISED, A.AUTHORISE, frozenset({P.AUTHORISER}))
    assert refused.reason == "IR-2026-0003 is not authorised, so nothing more can be done with it."
    gone = check("IR-2026-0003", S.WITHDRAWN, A.REFUSE, frozenset({P.AUTHORISER}))
    assert gone.reason == "IR-2026-0003 is withdrawn, so nothing more can be done with it."
    own = check("IR-2026-0003", S.AWAITING_AUTHORISATION, A.AUTHORISE, frozenset({P.REQUESTER}))
    assert own.reason == (
        "You made IR-2026-0003, so you cannot authorise it: that is for the authoriser named "
        "on the request."
    )
    assert [
        b.label for b in notice_actions("IR-1", S.AWAITING_AUTHORISATION, frozenset({P.AUTHORISER}))
    ] == ["Authorise", "Refuse"]
    assert [
        b.label for b in notice_actions("IR-1", S.AWAITING_AUTHORISATION, frozenset({P.REQUESTER}))
    ] == ["Withdraw"]
    assert notice_actions("IR-1", S.AWAITING_AUTHORISATION, frozenset({P.OWNER})) == ()


def test_challenge_levels_go_reviewer_then_dpo_then_board():
    level = ChallengeLevel.OWNER_REVIEWER
    seen = [level]
    while (following := level.next()) is not None:
        seen.append(following)
        level = following
    assert seen == [ChallengeLevel.OWNER_REVIEWER, ChallengeLevel.DPO, ChallengeLevel.BOARD]
