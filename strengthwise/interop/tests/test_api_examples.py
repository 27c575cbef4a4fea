"""docs/api.md's examples are run, in order, as alice against the demo personas: each request
gets the status shown, and every `"key": value` the answer shows in full is in the response
(`…` stands for what is not shown). So the examples cannot drift from the API."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.utils import timezone

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
EXAMPLE = re.compile(
    r"```http\n(?P<request>.*?)```\nAnswer: `(?P<status>\d{3})`(?P<answer>[^\n]*)", re.S
)
PAIR = re.compile(r'"(\w+)": ("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null|\[[^\]]*\])')
SAVED = re.compile(r"\(saved as `\{(\w+)\}`\)")


def examples() -> list[re.Match[str]]:
    return list(EXAMPLE.finditer(DOC.read_text(encoding="utf-8")))


def test_the_doc_has_examples():
    assert len(examples()) >= 6


def test_every_example_answers_as_the_doc_says(personas, api):
    alice = api(personas.alice)
    names = {"dana": str(personas.dana.pk)}
    for example in examples():
        text = example["request"]
        for name, value in names.items():
            text = text.replace("{" + name + "}", value)
        lines = text.strip().split("\n")
        method, path = lines[0].split(" ", 1)
        headers, body_lines = {}, []
        for line in lines[1:]:
            if not body_lines and re.match(r"^[A-Za-z-]+: ", line):
                key, value = line.split(": ", 1)
                headers[key] = value
            else:
                body_lines.append(line)
        body = json.loads("\n".join(body_lines) or "{}")
        assert method == "POST", "only POST examples are run"
        response = alice.post(path, body, headers=headers)
        where = f"{method} {path}"
        assert response.status_code == int(example["status"]), (where, response.content)
        answer = example["answer"].replace("<today>", timezone.localdate().isoformat())
        got = response.json()
        for key, literal in PAIR.findall(answer):
            try:
                expected = json.loads(literal)
            except json.JSONDecodeError:
                continue  # a value shown only in part
            assert key in got, (where, key)
            assert got[key] == expected, (where, key, got[key])
        if "Idempotent-Replayed" in answer:
            assert response["Idempotent-Replayed"] == "true", where
        saved = SAVED.search(answer)
        if saved:
            names[saved[1]] = str(got["id"])
