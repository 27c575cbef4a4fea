from __future__ import annotations

import pytest

from strengthwise.assessments import demo


@pytest.fixture
def assessed(personas):
    """Dana with the demo agency's assessments: two strengths versions, motivation history,
    factors, an entry and a review matrix, ten ecomap ties with two snapshots, a screen."""
    demo.load()
    personas.dana.refresh_from_db()
    return personas
