"""seed and bench: bulk data with progress, and the timing table."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from strengthwise.people.models import Client, Episode


def test_seed_adds_clients_with_open_episodes_and_searchable_names(personas, capsys):
    before = Client.objects.count()
    call_command("seed", clients=120, services=0)
    assert Client.objects.count() == before + 120
    seeded = Client.objects.exclude(pk__in=[personas.dana.pk]).filter(agency=personas.river_city)
    assert Episode.objects.filter(client__in=seeded, closed_on__isnull=True).count() >= 120
    assert not seeded.filter(search_name="").exists()
    assert "Added 120 clients" in capsys.readouterr().out


def test_seed_refuses_bad_arguments(personas):
    with pytest.raises(CommandError):
        call_command("seed", clients=0)
    with pytest.raises(CommandError):
        call_command("seed", clients=5, agency="nowhere")


def test_bench_times_every_scenario_and_writes_markdown(personas, tmp_path, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    out = tmp_path / "perf.md"
    call_command("bench", runs=2, write=str(out))
    text = out.read_text()
    for name in ("caseload page", "face sheet", "search page, typo", "API client record"):
        assert f"| {name} |" in text
