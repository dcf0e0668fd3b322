"""Information sharing's registration: the request form, the forms behind its buttons, sweeps,
routing rules, questions, help lines and request status."""

from __future__ import annotations

from bot.core.module import DomainModule, Start, Sweep
from bot.sharing import (
    action_forms,
    actions,
    board_pack,
    forms,
    headlines,
    intents,
    queries,
    requests,
    retention,
    sweeps,
)

MODULE = DomainModule(
    name="sharing",
    forms=(forms.FORM, *action_forms.FORMS),
    submitters={forms.FORM_ID: requests.submit_request, **actions.SUBMITTERS},
    actions=actions.ACTIONS,
    options={
        forms.FORM_ID: requests.request_options,
        action_forms.REDIRECT: actions.redirect_options,
    },
    action_prefixes={"IR": "request"},
    sweeps=(
        Sweep("request-deadlines", sweeps.sweep_requests),
        Sweep("agreement-reviews", sweeps.flag_agreement_reviews, every=10),
        Sweep("request-deletions", sweeps.remind_deletions, every=10),
        Sweep("sharing-board-pack", board_pack.send_monthly_pack, every=10),
    ),
    intents=intents.RULES,
    queries=queries.QUERIES,
    help=queries.HELP,
    status=queries.STATUS,
    open_items={"requests": queries.open_requests},
    retention=retention.RULES,
    starts=(Start(forms.FORM_ID, "Request information", shortcut="request"),),
    headlines={"IR-": headlines.request_headline},
)
