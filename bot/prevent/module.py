"""Prevent's registration: its forms, what confirming them does, its buttons, sweeps, routing
rules, questions, help lines and concern status."""

from __future__ import annotations

from bot.core.module import DomainModule, Start, StartGate, Sweep
from bot.prevent import (
    action_forms,
    actions,
    alerts,
    area,
    concerns,
    followups,
    forms,
    headlines,
    intents,
    places,
    queries,
    retention,
    sweeps,
)

MANAGERS = StartGate(
    alerts.is_manager, "Only the Prevent / Community Safety team can do that; nothing was started."
)

MODULE = DomainModule(
    name="prevent",
    forms=(forms.FORM, *action_forms.FORMS),
    submitters={
        forms.FORM_ID: concerns.submit_concern,
        **actions.SUBMITTERS,
        **followups.SUBMITTERS,
        **area.SUBMITTERS,
    },
    actions={**actions.ACTIONS, **followups.ACTIONS, area.END_TENSION: area.end_tension},
    options={
        forms.FORM_ID: concerns.prevent_lead_options,
        action_forms.ASSIGN: actions.assign_options,
        action_forms.NOT_OURS: actions.remover_options,
    },
    start_gates={
        action_forms.TENSION: MANAGERS,
        action_forms.TRIGGER: MANAGERS,
        action_forms.ASK: MANAGERS,
    },
    action_prefixes={"CN": "concern"},
    sweeps=(
        Sweep("concern-escalations", sweeps.escalate_due),
        Sweep("concern-digests", sweeps.send_digests, every=10),
        Sweep("removal-chasers", sweeps.chase_removals),
    ),
    intents=(*followups.RULES, *intents.RULES),
    queries=queries.QUERIES,
    help=queries.HELP,
    status=queries.STATUS,
    open_items={"concerns": queries.open_reports},
    imports=(places.KIND,),
    retention=retention.RULES,
    starts=(Start(forms.FORM_ID, "Log a concern", shortcut="report"),),
    headlines={"CN-": headlines.concern_headline},
)
