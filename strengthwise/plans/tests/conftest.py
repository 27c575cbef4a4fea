from __future__ import annotations

import pytest

from strengthwise.assessments import demo as assessments_demo
from strengthwise.plans import demo as plans_demo


@pytest.fixture
def planned(personas):
    """Dana's demo plan: two goals (one from options weighed), steps with natural supports,
    GAS follow-ups by client and worker, returned once and approved at version 2."""
    assessments_demo.load()
    plans_demo.load()
    return personas
