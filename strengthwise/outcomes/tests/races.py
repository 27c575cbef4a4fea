"""Run in a child process by test_races.py, against a real database of its own (a SQLite file
in WAL mode, or a fresh PostgreSQL database): 50 threads, each on its own connection, save the
same version of one record at the same moment. Prints one JSON line per editable kind."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import Any

THREADS = 50


def _race(save: Callable[[int], Any]) -> dict[str, Any]:
    from django.db import connection

    from strengthwise.core.errors import Conflict

    barrier = threading.Barrier(THREADS)
    outcome: dict[str, Any] = {"saved": 0, "conflicts": 0, "errors": []}
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            save(i)
        except Conflict:
            with lock:
                outcome["conflicts"] += 1
        except Exception as error:  # noqa: BLE001 - reported, and the test fails on any
            with lock:
                outcome["errors"].append(repr(error)[:200])
        else:
            with lock:
                outcome["saved"] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils.module_loading import import_string

    call_command("migrate", interactive=False, verbosity=0)
    personas = None
    for path in settings.STRENGTHWISE_DEMO_LOADERS:
        result = import_string(path)(clients=5)
        if isinstance(result, dict) and result.get("personas") is not None:
            personas = result["personas"]
    assert personas is not None
    from strengthwise.assessments.models import StrengthsAssessment
    from strengthwise.assessments.services import strengths_assessment_revise
    from strengthwise.notes.models import Note
    from strengthwise.notes.services import note_save
    from strengthwise.people.models import Client
    from strengthwise.people.services import client_update
    from strengthwise.plans.models import Goal
    from strengthwise.plans.services import goal_update
    from strengthwise.referrals import workflow
    from strengthwise.referrals.models import Referral
    from strengthwise.referrals.services import referral_transition

    alice, dana = personas.alice, personas.dana

    def revised(row: Any, i: int) -> Any:
        content = row.versions.order_by("-number").first().content
        words = content["domains"]["daily_living"]["aspirations"]
        changed = {**words, "text": f"{words['text']} (take {i})"}
        domains = {
            **content["domains"],
            "daily_living": {**content["domains"]["daily_living"], "aspirations": changed},
        }
        return strengths_assessment_revise(
            acting_user=alice,
            client=dana,
            version=row.version,
            content={**content, "domains": domains},
        )

    kinds: dict[str, tuple[Callable[[], Any], Callable[[Any, int], Any]]] = {
        "client": (
            lambda: Client.objects.get(pk=dana.pk),
            lambda row, i: client_update(
                acting_user=alice,
                client=Client.objects.get(pk=row.pk),
                version=row.version,
                fields={"preferred_name": f"Dee {i}"},
            ),
        ),
        "goal": (
            lambda: Goal.objects.filter(client=dana).order_by("pk").first(),
            lambda row, i: goal_update(
                acting_user=alice,
                goal=Goal.objects.get(pk=row.pk),
                version=row.version,
                fields={"gas_zero": f"Expected, take {i}"},
            ),
        ),
        "strengths assessment": (
            lambda: StrengthsAssessment.objects.filter(client=dana).first(),
            revised,
        ),
        "draft note": (
            lambda: (
                Note.objects.filter(client=dana, status="draft").order_by("pk").first()
                or Note.objects.create(
                    agency=dana.agency, client=dana, author=alice, sections={"goal": "x"}
                )
            ),
            lambda row, i: note_save(
                acting_user=row.author,
                note=Note.objects.get(pk=row.pk),
                fields={},
                sections={**row.sections, "goal": f"take {i}"},
                version=row.version,
            ),
        ),
        "referral": (
            lambda: (
                Referral.objects.filter(client=dana)
                .exclude(status__in=workflow.TERMINAL)
                .order_by("pk")
                .first()
            ),
            lambda row, i: referral_transition(
                referral=Referral.objects.get(pk=row.pk),
                status=workflow.CANCELLED,
                side=workflow.REQUESTER,
                reason=f"race {i}",
                acting_user=alice,
                expected_version=row.version,
            ),
        ),
    }
    for kind, (load, save) in kinds.items():
        row = load()
        if row is None:
            print(json.dumps({"kind": kind, "missing": True}))
            continue
        before = row.version
        outcome = _race(lambda i, row=row, save=save: save(row, i))
        after = type(row).objects.get(pk=row.pk).version
        print(json.dumps({"kind": kind, "before": before, "after": after, **outcome}))
    print(json.dumps({"vendor": __import__("django.db").db.connection.vendor}))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strengthwise.settings")
    main()
