"""The register's registration: owners' and coordinators' forms, buttons, nudges and digest,
routing rules, questions, help lines and item status."""

from __future__ import annotations

from bot.core.module import ANY_PREFIX, DomainModule, Start, StartGate, Sweep
from bot.recommendations import actions, headlines, imports, intents, nudges, progress, queries
from bot.recommendations.forms import add, manage, update
from bot.recommendations.items import is_coordinator

COORDINATORS = StartGate(
    is_coordinator, "Only a partnership coordinator can change the register; nothing was started."
)

MODULE = DomainModule(
    name="recommendations",
    forms=(update.FORM, add.FORM, manage.FORM),
    submitters=actions.SUBMITTERS,
    actions=actions.ACTIONS,
    options={form.FORM_ID: actions.form_options for form in (update, add, manage)},
    start_gates={manage.FORM_ID: COORDINATORS, add.FORM_ID: COORDINATORS},
    action_prefixes={ANY_PREFIX: "recommendation"},
    sweeps=(
        Sweep("recommendation-nudges", nudges.sweep),
        Sweep("recommendation-digest", progress.send_digest, every=10),
    ),
    intents=intents.RULES,
    queries=queries.QUERIES,
    help=queries.HELP,
    status=queries.STATUS,
    open_items={"recommendations": queries.open_items},
    imports=(imports.KIND,),
    starts=(Start(update.FORM_ID, "Update a recommendation", needs="recommendations"),),
    headlines={ANY_PREFIX: headlines.recommendation_headline},
)
