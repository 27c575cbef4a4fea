"""`task_items` (templatetags/task_items.py) writes what the task list's template loop wrote,
character for character: the reference below is that loop as it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from strengthwise.tasks import services

pytestmark = pytest.mark.django_db

REFERENCE = Template(
    """{% load i18n %}{% for t in tasks %}
  <li>
    {% if t.url %}<a href="{{ t.url }}">{{ t.title }}</a>{% else %}{{ t.title }}{% endif %}
    {% if t.derived and t.worker_name and t.worker_id != user.pk %}<span class="muted"> · {% blocktranslate with worker=t.worker_name %}{{ worker }}’s client{% endblocktranslate %}</span>{% endif %}
    {% if t.derived %}{% if t.due_on < today %}<span class="muted"> · {% blocktranslate with day=t.due_on|date:"SHORT_DATE_FORMAT" %}due {{ day }}{% endblocktranslate %}</span>{% elif t.due_on > today %}<span class="muted"> · {% blocktranslate with day=t.due_on|date:"SHORT_DATE_FORMAT" %}by {{ day }}{% endblocktranslate %}</span>{% endif %}
    {% else %}<span class="muted">{% if t.client_name %} · {{ t.client_name }}{% endif %} · {{ t.due_on|date:"SHORT_DATE_FORMAT" }}</span>
      <form method="post" action="{% url 'tasks:done' t.pk %}" class="inline-form">{% csrf_token %}<button type="submit" class="link-button">{% translate "Done" %}<span class="visually-hidden">: {{ t.title }}</span></button></form>
    {% endif %}
  </li>
{% endfor %}"""
)
ITEMS = Template("{% load task_items %}{% task_items tasks %}")


def _lists(response: Any) -> list[tuple[str, str]]:
    """(reference, tag) for each task list the page rendered, in the page's own context."""
    found = []
    for page in response.context:
        if "tasks" in page and "today" in page:
            context = Context(page.flatten())
            found.append((REFERENCE.render(context), ITEMS.render(context)))
    return found


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("who", ["alice", "bob"])
def test_task_lists_are_the_template_s(personas: Any, web: Any, who: str, language: str) -> None:
    today = timezone.localdate()
    user = getattr(personas, who)
    for n, (days, client) in enumerate([(-3, personas.dana), (0, None), (4, personas.dana)]):
        services.task_add(
            acting_user=user,
            title=f'Call <b>"back"</b> & ask #{n}',
            due_on=today + dt.timedelta(days=days),
            client=client if who == "alice" else None,
        )
    with translation.override(language):
        response = web(user).get("/today/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        lists = _lists(response)
    assert len(lists) >= 3
    assert sum(reference.count("<li>") for reference, _ in lists) >= 5
    for reference, items in lists:
        assert items == reference
    html = response.content.decode()
    assert "&lt;b&gt;&quot;back&quot;&lt;/b&gt; &amp; ask #0" in html
    assert "csrfmiddlewaretoken" in "".join(items for _, items in lists)
    if who == "bob":  # whose client each derived item is
        assert "’s client" in html or "cliente de" in html
