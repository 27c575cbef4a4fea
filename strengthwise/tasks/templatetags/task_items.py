"""The items of a task list (Today), written in one pass.

Today shows up to a few hundred tasks; the template language rendered each through some twenty
nodes (conditions, translations, date filters, a form for each of the user's own tasks).
`task_items` writes the same markup as `tasks/_task_list.html`'s loop did, character for
character: every value escaped as `{{ value }}` would be, dates as `|date:"SHORT_DATE_FORMAT"`
gives them, the same translations (tests/test_task_items.py renders both and compares them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from strengthwise.tasks.rules import Urls

register = template.Library()


def _e(value: Any) -> str:
    return str(conditional_escape(value))


@register.simple_tag(takes_context=True)
def task_items(context: template.Context, tasks: Sequence[Any]) -> SafeString:
    """`<li>` for each task: its title (a link where it has one); for a derived task whose
    client another worker carries, whose client it is, and its day unless it is today; for
    the user's own task, the client and day and a form to mark it done."""
    user, today = context.get("user"), context.get("today")
    user_pk = getattr(user, "pk", None)
    urls = Urls()  # each URL name reversed once
    token = CsrfTokenNode().render(context)  # `{% csrf_token %}`, the same for every form
    days: dict[dt.date, str] = {}

    def day(value: dt.date) -> str:
        if value not in days:
            days[value] = _e(date_filter(value, "SHORT_DATE_FORMAT"))
        return days[value]

    parts = []
    for t in tasks:
        title = _e(t.title)
        head = f'<a href="{_e(t.url)}">{title}</a>' if t.url else title
        whose = ""
        if t.derived and t.worker_name and t.worker_id != user_pk:
            whose = '<span class="muted"> · %s</span>' % (
                gettext("%(worker)s’s client") % {"worker": _e(t.worker_name)}
            )
        if t.derived:
            when = ""
            if t.due_on < today:
                when = '<span class="muted"> · %s</span>' % (
                    gettext("due %(day)s") % {"day": day(t.due_on)}
                )
            elif t.due_on > today:
                when = '<span class="muted"> · %s</span>' % (
                    gettext("by %(day)s") % {"day": day(t.due_on)}
                )
            tail = f"{when}\n    "
        else:
            client = f" · {_e(t.client_name)}" if t.client_name else ""
            action = urls("tasks:done", t.pk)
            tail = (
                f'<span class="muted">{client} · {day(t.due_on)}</span>\n'
                f'      <form method="post" action="{action}" class="inline-form">{token}'
                f'<button type="submit" class="link-button">{gettext("Done")}'
                f'<span class="visually-hidden">: {title}</span></button></form>\n    '
            )
        parts.append(f"\n  <li>\n    {head}\n    {whose}\n    {tail}\n  </li>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
