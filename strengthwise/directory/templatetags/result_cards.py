"""The cards of a page of find-help results, written in one pass.

A page shows 25 services; the template language rendered each card through some forty nodes
(tags, filters, translations, URL reversals), which was a third of find help's time at 10,000
services. `result_cards` writes the same markup as that template did, character for character:
every value escaped as `{{ value }}` would be, the same translations, the same links
(tests/test_result_cards.py renders both and compares them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from strengthwise.directory.labels import language_label

register = template.Library()


def _e(value: Any) -> str:
    return str(conditional_escape(value))


def _t(message: str) -> str:
    """`{% translate message %}`: our own words, not escaped (a template's literal is safe)."""
    return gettext(message)


def _words(text: str, count: int) -> str:
    """`{{ text|truncatewords:count }}`."""
    return _e(Truncator(text).words(count, truncate=" …"))


@register.simple_tag(takes_context=True)
def result_cards(context: template.Context, hits: Sequence[Any]) -> SafeString:
    """`<li class="card result">` for each hit: the service, where and whether it is open, its
    capacity, distance, fit and languages, and — on a client's page (`client` in the context)
    — saving it to their list (`saved_add_url`, unless `saved_ids` holds it) and referring
    them (`refer_url`), for the `goal` when there is one."""
    client, goal = context.get("client"), context.get("goal")
    labels = {
        "open": _t("Open now"),
        "closed": _t("Closed now"),
        "domain": _t("Fits the goal's domain"),
        "language": _t("Speaks their language"),
        "who": _t("Who it is for:"),
    }
    if client:
        saved_ids = context.get("saved_ids") or ()
        token = CsrfTokenNode().render(context)  # `{% csrf_token %}`, the same for every form
        goal_input = f'<input type="hidden" name="goal" value="{_e(goal.pk)}">' if goal else ""
        goal_query = f"&amp;goal={_e(goal.pk)}" if goal else ""
        save_url = _e(context.get("saved_add_url"))
        next_path = _e(context["request"].get_full_path())
        on_list = f'<span class="badge badge-ok">{_t("On the saved list")}</span>'
        save_label, refer_label = _t("Save to their list"), _t("Refer")
        refer_url = _e(context.get("refer_url"))
    parts = []
    for hit in hits:
        s = hit.service
        where = ""
        for loc in hit.locations[:1]:
            for a in hit.addresses.get(loc.pk, [])[:1]:
                where += f" · {_e(a.address_1)}, {_e(a.city)}"
        if hit.open_now:
            open_badge = f'<span class="badge badge-ok">{labels["open"]}</span>'
        elif hit.open_now is False:
            open_badge = f'<span class="badge">{labels["closed"]}</span>'
        else:
            open_badge = ""
        capacity = (
            f'<span class="badge badge-{_e(s.capacity)}">{_e(s.get_capacity_display())}</span>'
            if s.capacity
            else ""
        )
        distance = ""
        if hit.distance_km is not None:
            km = _e(floatformat(hit.distance_km, 1))
            distance = f'<span class="badge">{gettext("%(km)s km from home") % {"km": km}}</span>'
        domain = (
            f'<span class="badge badge-ok">{labels["domain"]}</span>' if hit.domain_match else ""
        )
        speaks = (
            f'<span class="badge badge-ok">{labels["language"]}</span>'
            if hit.language_match
            else ""
        )
        languages = "".join(
            f'<span class="badge">{_e(language_label(lang.code, lang.name))}</span>'
            for lang in hit.languages
        )
        card = (
            '\n    <li class="card result">\n'
            f'      <h2 class="result-title"><a href="{reverse("directory:service", args=[s.pk])}">'
            f"{_e(s.name)}</a></h2>\n"
            f'      <p class="muted">{_e(s.organization.name)}{where}</p>\n'
            '      <p class="badges">\n'
            f"        {open_badge}\n"
            f"        {capacity}\n"
            f"        {distance}\n"
            f"        {domain}\n"
            f"        {speaks}\n"
            f"        {languages}\n"
            "      </p>\n"
            f"      {f'<p>{_words(s.description, 40)}</p>' if s.description else ''}\n"
            "      "
        )
        if s.eligibility_description:
            card += (
                f'<p class="muted"><strong>{labels["who"]}</strong> '
                f"{_words(s.eligibility_description, 30)}</p>"
            )
        card += "\n      "
        if client:
            card += '\n      <div class="actions">\n        '
            if s.pk in saved_ids:
                card += on_list
            else:
                card += (
                    f'\n        <form method="post" action="{save_url}" class="inline-form" '
                    f'hx-post="{save_url}" hx-swap="outerHTML">\n'
                    f'          {token}<input type="hidden" name="service" value="{_e(s.pk)}">'
                    f"{goal_input}\n"
                    f'          <input type="hidden" name="next" value="{next_path}">\n'
                    f'          <button type="submit" class="button button-quiet">{save_label}'
                    "</button>\n"
                    "        </form>"
                )
            card += (
                f'\n        <a class="button" href="{refer_url}?service={_e(s.pk)}{goal_query}">'
                f"{refer_label}</a>\n"
                "      </div>\n      "
            )
        card += "\n    </li>\n"
        parts.append(card)
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
