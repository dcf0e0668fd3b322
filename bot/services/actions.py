"""Every notice button the bot offers, by action name: the service that handles each press.

Handlers check the actor's role and the record's state themselves (a forwarded or forged button
is refused and audited), act at once or ask for details through a form, and refresh the notice so
its old buttons disappear.
"""

from __future__ import annotations

from bot.core.unit import ActionHandler
from bot.prevent import alerts
from bot.prevent import area as prevent
from bot.recommendations import actions as recommendation_actions
from bot.sharing import actions as sharing

ACTIONS: dict[str, ActionHandler] = {
    **alerts.ACTIONS,
    prevent.END_TENSION: prevent.end_tension,
    **recommendation_actions.ACTIONS,
    **sharing.ACTIONS,
}
