"""The report tables at 1280 px: no column is cut off inside its card (issue 10)."""

from __future__ import annotations

import pytest

from strengthwise.assessments import demo as assessments_demo
from strengthwise.core.testing_browser import DESKTOP, screenshot
from strengthwise.people.personas import create_personas
from strengthwise.plans import demo as plans_demo

pytestmark = pytest.mark.browser

# For every report table: each header cell is reachable — inside the visible part of its
# scroll box, or the box scrolls and can take keyboard focus — and never outside its card.
CLIPPED = """() => {
  const out = [];
  for (const card of document.querySelectorAll('section.card.report')) {
    const cardBox = card.getBoundingClientRect();
    for (const wrap of card.querySelectorAll('.table-wrap')) {
      const box = wrap.getBoundingClientRect();
      const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      const focusable = wrap.tabIndex >= 0;
      for (const th of wrap.querySelectorAll('thead th')) {
        const r = th.getBoundingClientRect();
        const visible = r.left >= box.left - 1 && r.right <= box.right + 1;
        const inCard = box.left >= cardBox.left - 1 && box.right <= cardBox.right + 1;
        if (!inCard || (!visible && !(scrolls && focusable))) {
          out.push(card.id + ':' + th.textContent.trim());
        }
      }
    }
  }
  return out;
}"""

HIDDEN_COLUMNS = """() => {
  const out = [];
  for (const wrap of document.querySelectorAll('section.card.report .table-wrap')) {
    const box = wrap.getBoundingClientRect();
    for (const th of wrap.querySelectorAll('thead th')) {
      const r = th.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1) out.push(th.textContent.trim());
    }
  }
  return out;
}"""


def test_report_tables_show_every_column_at_1280(new_page, sign_in):
    create_personas()
    assessments_demo.load()
    plans_demo.load()
    for who in ("alice", "priya"):
        page = new_page(viewport=DESKTOP)
        sign_in(page, who)
        page.goto("/reports/")
        assert page.locator("section.card.report").count() > 3
        assert page.evaluate(CLIPPED) == [], who
        # Reflowed: at 1280 px no column of any report table is hidden off to the side.
        assert page.evaluate(HIDDEN_COLUMNS) == [], who
        screenshot(page, f"reports-1280-{who}")
