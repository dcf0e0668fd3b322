"""Run-time option lists for forms: partners, agreements, the actor's recommendations."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory.forms import OTHER
from bot.prevent import action_forms as concern_actions
from bot.recommendations import actions as recommendation_actions
from bot.recommendations.items import DONE
from bot.sharing import action_forms as request_actions
from bot.sharing.actions import redirect_partners
from bot.sharing.forms import NO_AGREEMENT_VALUE
from dialogs.messages import JsonValue, Option
from storage import directory, records
from storage.models import Partner, Person


def rank_partners(partners: list[Partner], data_wanted: str) -> tuple[Option, ...]:
    """Partners whose data categories match the data wanted come first, marked as suggested."""
    words = set(re.findall(r"[a-z]+", data_wanted.lower()))

    def score(partner: Partner) -> int:
        return sum(
            1 for category in partner.data_categories if set(category.lower().split()) & words
        )

    ranked = sorted(partners, key=lambda p: (-score(p), p.name))
    return tuple(Option(p.code, f"{p.name} (suggested)" if score(p) else p.name) for p in ranked)


async def form_options(
    session: AsyncSession, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """The dynamic option lists `form_id` needs, given the answers so far."""
    if form_id in recommendation_actions.FORM_IDS:
        return await recommendation_actions.form_options(session, form_id, answers, actor)
    if form_id == "info_request":
        partners = list(await directory.partners(session))
        options: dict[str, tuple[Option, ...]] = {
            "partners": rank_partners(partners, str(answers.get("data_wanted") or ""))
        }
        chosen = answers.get("partner")
        agreements = await directory.agreements_for(session, str(chosen)) if chosen else []
        purpose = str(answers.get("purpose_type") or "")
        covering = sorted(agreements, key=lambda a: (purpose not in a.purposes, a.title))
        options["agreements"] = (
            *(
                Option(
                    a.reference,
                    f"{a.title} (covers this purpose)" if purpose in a.purposes else a.title,
                )
                for a in covering
            ),
            Option(NO_AGREEMENT_VALUE, "No agreement covers it (one-off sharing)"),
        )
        return options
    if form_id == "recommendation_update":
        owned = await records.recommendations_owned_by(session, actor.id)
        return {
            "my_recommendations": tuple(
                Option(r.reference, f"{r.reference} {r.title}")
                for r in owned
                if r.status not in DONE
            )
        }
    if form_id == concern_actions.ASSIGN:
        managers = await directory.people_with_role(session, "prevent_manager")
        colleagues = (
            await directory.people_in_partner(session, actor.partner_id) if actor.partner_id else []
        )
        people = {p.email: p for p in (*managers, *colleagues) if p.in_directory}
        return {
            "colleagues": tuple(
                Option(p.email, f"{p.name} ({p.position})" if p.position else p.name)
                for p in sorted(people.values(), key=lambda p: p.name)
            )
        }
    if form_id == request_actions.REDIRECT:
        return {
            "redirect_partners": await redirect_partners(
                session, str(answers.get("reference") or "")
            )
        }
    if form_id == "organisation":
        partners = list(await directory.partners(session))
        return {
            "organisations": (
                *(Option(p.code, p.name) for p in partners),
                Option(OTHER, "Another organisation"),
            )
        }
    return {}
