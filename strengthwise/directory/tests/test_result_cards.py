"""`result_cards` (templatetags/result_cards.py) writes what the find-help template's result
partial wrote, character for character: the reference below is that partial as it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from strengthwise.directory.models import SavedService
from strengthwise.directory.testing import make_service

from . import test_views
from .test_views import HOME, _goal

directory = test_views.directory  # the find-help tests' services, as a fixture here too

pytestmark = pytest.mark.django_db

REFERENCE = Template(
    """{% load i18n directory_labels %}{% for hit in hits %}{% with s=hit.service %}
    <li class="card result">
      <h2 class="result-title"><a href="{% url 'directory:service' s.pk %}">{{ s.name }}</a></h2>
      <p class="muted">{{ s.organization.name }}{% for loc in hit.locations|slice:":1" %}{% for a in loc.addresses.all|slice:":1" %} · {{ a.address_1 }}, {{ a.city }}{% endfor %}{% endfor %}</p>
      <p class="badges">
        {% if hit.open_now %}<span class="badge badge-ok">{% translate "Open now" %}</span>{% elif hit.open_now is False %}<span class="badge">{% translate "Closed now" %}</span>{% endif %}
        {% if s.capacity %}<span class="badge badge-{{ s.capacity }}">{{ s.get_capacity_display }}</span>{% endif %}
        {% if hit.distance_km is not None %}<span class="badge">{% blocktranslate with km=hit.distance_km|floatformat:1 %}{{ km }} km from home{% endblocktranslate %}</span>{% endif %}
        {% if hit.domain_match %}<span class="badge badge-ok">{% translate "Fits the goal's domain" %}</span>{% endif %}
        {% if hit.language_match %}<span class="badge badge-ok">{% translate "Speaks their language" %}</span>{% endif %}
        {% for lang in s.languages.all %}<span class="badge">{{ lang|language_label }}</span>{% endfor %}
      </p>
      {% if s.description %}<p>{{ s.description|truncatewords:40 }}</p>{% endif %}
      {% if s.eligibility_description %}<p class="muted"><strong>{% translate "Who it is for:" %}</strong> {{ s.eligibility_description|truncatewords:30 }}</p>{% endif %}
      {% if client %}
      <div class="actions">
        {% if s.pk in saved_ids %}<span class="badge badge-ok">{% translate "On the saved list" %}</span>{% else %}
        <form method="post" action="{{ saved_add_url }}" class="inline-form" hx-post="{{ saved_add_url }}" hx-swap="outerHTML">
          {% csrf_token %}<input type="hidden" name="service" value="{{ s.pk }}">{% if goal %}<input type="hidden" name="goal" value="{{ goal.pk }}">{% endif %}
          <input type="hidden" name="next" value="{{ request.get_full_path }}">
          <button type="submit" class="button button-quiet">{% translate "Save to their list" %}</button>
        </form>{% endif %}
        <a class="button" href="{{ refer_url }}?service={{ s.pk }}{% if goal %}&amp;goal={{ goal.pk }}{% endif %}">{% translate "Refer" %}</a>
      </div>
      {% endif %}
    </li>
{% endwith %}{% endfor %}"""
)
CARDS = Template("{% load result_cards %}{% result_cards hits %}")


def _both(response: Any) -> tuple[str, str]:
    page = next(c for c in response.context if "hits" in c)  # the page's, not an include's
    context = Context(page.flatten())
    context["request"] = response.wsgi_request
    return REFERENCE.render(context), CARDS.render(context)


@pytest.fixture
def odd(personas: Any) -> Any:
    """A service whose every text needs escaping, with long words to truncate."""
    return make_service(
        'Tom & Jerry\'s <b>"help"</b>',
        org_name="<Org> & 'Co'",
        domains=("financial",),
        languages=("es", "vi", "<x>"),
        capacity="no_capacity",
        eligibility_description=" ".join(f"w{i}<&>" for i in range(45)),
        at=(38.63, -90.2),
        hours=(),
    )


@pytest.mark.parametrize("language", ["en", "es"])
@time_machine.travel(dt.datetime(2026, 3, 3, 19, 0, tzinfo=dt.UTC), tick=False)
def test_cards_for_a_client_and_goal_are_the_template_s(
    personas: Any, directory: Any, odd: Any, web: Any, language: str
) -> None:
    dana = personas.dana
    dana.home_latitude, dana.home_longitude = HOME
    dana.save()
    goal = _goal(personas)
    SavedService.objects.create(
        agency=dana.agency, client=dana, service=directory["budget"], saved_by=personas.alice
    )
    odd.description = " ".join(f"word{i} & <i>" for i in range(60))
    odd.save()
    with translation.override(language):
        response = web(personas.alice).get(
            reverse("directory:find-for-client", args=[dana.pk]),
            {"goal": goal.pk},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 200
    hits = response.context["hits"]
    assert len(hits) == 4  # the far pantry is past 25 km, the closed clinic is not listed
    assert {h.open_now for h in hits} >= {True, False}
    assert any(h.distance_km is not None for h in hits)
    assert any(h.domain_match for h in hits) and any(not h.domain_match for h in hits)
    with translation.override(language):
        reference, cards = _both(response)
    assert cards == reference
    assert "On the saved list" in cards or "En la lista guardada" in cards
    assert "csrfmiddlewaretoken" in cards and "&amp; Jerry&#x27;s &lt;b&gt;" in cards
    assert cards in response.content.decode()


def test_cards_without_a_client_are_the_template_s(
    personas: Any, directory: Any, odd: Any, web: Any
) -> None:
    response = web(personas.alice).get(reverse("directory:find"), {"q": ""})
    assert response.status_code == 200
    assert len(response.context["hits"]) == 5
    reference, cards = _both(response)
    assert cards == reference
    assert "Save to their list" not in cards and "Refer" not in cards
    assert cards in response.content.decode()
