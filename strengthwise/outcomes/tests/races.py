"""Run in a child process by test_races.py, against a real database of its own (a SQLite file
in WAL mode, or a fresh PostgreSQL database): 50 threads, each on its own connection, save the
same version of one record at the same moment — through the service, and for goals and the
episode closure also through the page and the API (each thread its own signed-in browser or
bearer token; 409 counts as the conflict). Prints one JSON line per editable kind."""

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


class HttpRefused(Exception):
    """A page or API answer that is neither a save nor a 409."""


def _answered(response: Any) -> None:
    from strengthwise.core.errors import Conflict

    if response.status_code == 409:
        raise Conflict("409", current={}, attempted={})
    if response.status_code not in (200, 201, 302):
        raise HttpRefused(f"{response.status_code} {response.content[:200]!r}")
    if response.status_code == 302 and "sign-in" in response.get("Location", ""):
        raise HttpRefused("sent to sign in")


def _browsers(user: Any) -> list[Any]:
    """One signed-in browser per thread, past the second factor."""
    from django.test import Client as HttpClient

    from strengthwise.accounts.testing import verified_session

    browsers = []
    for _ in range(THREADS):
        browser = HttpClient()
        browser.force_login(user)
        verified_session(browser, user)
        browsers.append(browser)
    return browsers


def _api_clients(user: Any) -> list[Any]:
    from django.test import Client as HttpClient

    from strengthwise.accounts.services import api_token_create

    return [
        (HttpClient(), {"Authorization": f"Bearer {api_token_create(acting_user=None, user=user)}"})
        for _ in range(THREADS)
    ]


def main() -> None:
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed; mail stays in memory
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
    from strengthwise.outcomes.models import Closure
    from strengthwise.outcomes.services import closure_save, closure_start
    from strengthwise.people.models import Client, Episode
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

    def first_goal() -> Any:
        return Goal.objects.filter(client=dana).order_by("pk").first()

    browsers, api_clients = _browsers(alice), _api_clients(alice)

    def goal_page(row: Any, i: int) -> None:
        _answered(
            browsers[i].post(
                f"/clients/{dana.pk}/plan/goals/{row.pk}/",
                {
                    "version": row.version,
                    "statement": row.statement,
                    "author": row.author,
                    "verbatim": "on" if row.verbatim else "",
                    "domain": row.domain,
                    "status": row.status,
                    "gas_zero": f"Expected, page take {i}",
                },
            )
        )

    def goal_api(row: Any, i: int) -> None:
        http, headers = api_clients[i]
        _answered(
            http.patch(
                f"/api/v1/goals/{row.pk}",
                {"version": row.version, "gas_zero": f"Expected, API take {i}"},
                content_type="application/json",
                headers=headers,
            )
        )

    def draft_closure() -> Any:
        """The draft closure of an open episode of one of alice's clients (started here)."""
        found = Closure.objects.filter(
            client__primary_worker=alice, status=Closure.Status.DRAFT
        ).first()
        if found is not None:
            return found
        episode = (
            Episode.objects.filter(
                client__primary_worker=alice, closed_on__isnull=True, closure__isnull=True
            )
            .exclude(client=dana)
            .order_by("pk")
            .first()
        )
        return episode and closure_start(acting_user=alice, episode=episode)

    def closure_page(row: Any, i: int) -> None:
        _answered(
            browsers[i].post(
                f"/clients/{row.client_id}/episodes/{row.episode_id}/close/",
                {
                    "version": row.version,
                    "action": "save",
                    "what_helped": f"Her sister's Sunday calls (page take {i})",
                    "what_helped_author": "client",
                    "reason": "",
                    "reason_other": "",
                    "closed_on": row.closed_on.isoformat(),
                    "worker_summary": "",
                },
            )
        )

    def closure_api(row: Any, i: int) -> None:
        http, headers = api_clients[i]
        _answered(
            http.post(
                f"/api/v1/episodes/{row.episode_id}/closure",
                {"version": row.version, "what_helped": f"Her sister's calls (API take {i})"},
                content_type="application/json",
                headers=headers,
            )
        )

    kinds.update(
        {
            "goal (page)": (first_goal, goal_page),
            "goal (API)": (first_goal, goal_api),
            "closure": (
                draft_closure,
                lambda row, i: closure_save(
                    acting_user=alice,
                    closure=Closure.objects.get(pk=row.pk),
                    fields={"worker_summary": f"Summary, take {i}"},
                    version=row.version,
                ),
            ),
            "closure (page)": (draft_closure, closure_page),
            "closure (API)": (draft_closure, closure_api),
        }
    )
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
