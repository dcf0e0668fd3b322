"""Composing domains: their routing rules keep tier order, and nothing is claimed twice."""

from __future__ import annotations

import pytest

from bot.app import MODULES
from bot.core.intents import AskQuery, Rule, Tier, Typed
from bot.core.module import DomainModule, Prelude, Registry, StatusLookup, plain
from dialogs.messages import Say


async def _nothing(uow, actor):
    return Say("")


def _never(said: Typed) -> None:
    return None


def _asks(query: str):
    return lambda said: AskQuery(query)


def test_rules_run_tier_by_tier_and_in_module_order_within_a_tier():
    first = Rule(Tier.TOPIC, _asks("first"))
    second = Rule(Tier.TOPIC, _asks("second"))
    command = Rule(Tier.COMMAND, _never)
    registry = Registry.compose(
        [DomainModule("a", intents=(first,)), DomainModule("b", intents=(second, command))]
    )
    assert registry.intents == (command, first, second)


@pytest.mark.parametrize(
    "claim",
    [
        {"queries": {"my_things": plain(_nothing)}},
        {"status": StatusLookup(plain(_nothing), prefixes=("XX",))},
        {"status": StatusLookup(plain(_nothing))},
        {"prelude": Prelude("intro", lambda person: True, lambda person: None)},
    ],
    ids=["query", "status prefix", "status of any prefix", "prelude"],
)
def test_a_question_status_prefix_or_prelude_claimed_twice_is_refused(claim):
    with pytest.raises(ValueError, match="claimed by both a and b"):
        Registry.compose([DomainModule("a", **claim), DomainModule("b", **claim)])


@pytest.mark.parametrize("name", ["help", "status"])
def test_the_hubs_own_questions_cannot_be_claimed(name):
    with pytest.raises(ValueError, match="the hub's own"):
        Registry.compose([DomainModule("a", queries={name: plain(_nothing)})])


def test_every_domain_composes_and_one_lookup_answers_other_prefixes():
    registry = Registry.compose(MODULES)
    assert {"CN", "IR", "*"} <= registry.status.keys()
    assert registry.prelude is not None and registry.prelude.form_id in registry.forms
