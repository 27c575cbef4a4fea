"""River City's own questions: Housing Stability's intake questions (military service, main
source of income) and its short "Tenancy readiness" instrument, given twice with Dana."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal
from typing import Any

from django.utils import timezone

from strengthwise.accounts.models import Program, Role, User
from strengthwise.people.models import Client

from . import definition as qdef
from . import services
from .models import Questionnaire

T = qdef.Text
READY_SCALE = (
    ("0", T("Not yet", "Todavía no"), 0),
    ("1", T("With a lot of help", "Con mucha ayuda"), 1),
    ("2", T("With some help", "Con algo de ayuda"), 2),
    ("3", T("On my own", "Por mi cuenta"), 3),
)


def _scaled(link_id: str, en: str, es: str, domain: str) -> qdef.Item:
    return qdef.Item(
        link_id=link_id,
        type="choice",
        text=T(en, es),
        required=True,
        options=tuple(qdef.Option(c, t, Decimal(s)) for c, t, s in READY_SCALE),
        level="micro",
        domain=domain,
    )


INTAKE = qdef.Definition(
    title=T("Housing Stability intake", "Ingreso a Estabilidad de Vivienda"),
    items=(
        qdef.Item(
            link_id="served",
            type="boolean",
            text=T(
                "Have you ever served in the military?", "¿Ha servido alguna vez en el ejército?"
            ),
            help=T(
                "Veterans may qualify for more housing help.",
                "Las personas veteranas pueden tener derecho a más ayuda de vivienda.",
            ),
            required=True,
            level="micro",
        ),
        qdef.Item(
            link_id="va-connected",
            type="boolean",
            text=T(
                "Are you connected with Veterans Affairs services?",
                "¿Recibe servicios de Asuntos de Veteranos?",
            ),
            enable_when=(qdef.Condition("served", "=", True),),
            level="macro",
        ),
        qdef.Item(
            link_id="income-source",
            type="choice",
            text=T("Main source of income", "Fuente principal de ingresos"),
            required=True,
            options=(
                qdef.Option("wages", T("Wages from work", "Salario de un trabajo")),
                qdef.Option(
                    "benefits", T("Benefits (SSI, SSDI, TANF…)", "Beneficios (SSI, SSDI, TANF…)")
                ),
                qdef.Option("child-support", T("Child support", "Manutención de hijos")),
                qdef.Option(
                    "family", T("Help from family or friends", "Ayuda de familia o amistades")
                ),
                qdef.Option("none", T("No income right now", "Sin ingresos por ahora")),
                qdef.Option("other", T("Something else", "Otra fuente")),
            ),
            level="micro",
            domain="financial",
        ),
        qdef.Item(
            link_id="income-in-words",
            type="text",
            text=T(
                "How do you get by each month, in your words?",
                "¿Cómo sale adelante cada mes, en sus palabras?",
            ),
            domain="financial",
        ),
    ),
)

TENANCY = qdef.Definition(
    title=T("Tenancy readiness", "Preparación para alquilar"),
    description=T(
        "Five things that help a tenancy last. Ask how the person sees each one today.",
        "Cinco cosas que ayudan a mantener un alquiler. Pregunte cómo ve la persona cada una hoy.",
    ),
    items=(
        _scaled(
            "rent-budget",
            "I can plan for the rent each month",
            "Puedo planear el pago del alquiler cada mes",
            "financial",
        ),
        _scaled(
            "lease",
            "I know what my lease asks of me",
            "Sé lo que me pide mi contrato de alquiler",
            "daily_living",
        ),
        _scaled(
            "landlord",
            "I can talk with my landlord when something goes wrong",
            "Puedo hablar con el dueño cuando algo sale mal",
            "social_supports",
        ),
        _scaled(
            "upkeep",
            "I keep up the home and report repairs",
            "Mantengo la vivienda y aviso de las reparaciones",
            "daily_living",
        ),
        _scaled(
            "support",
            "I know who to call if I might lose my home",
            "Sé a quién llamar si podría perder mi vivienda",
            "social_supports",
        ),
        qdef.Item(
            link_id="in-their-words",
            type="text",
            text=T(
                "What would make the next year in this home go well?",
                "¿Qué haría que el próximo año en esta vivienda vaya bien?",
            ),
        ),
    ),
)


def _publish(
    admin: User, key: str, purpose: str, definition: qdef.Definition, program: Program | None
) -> Questionnaire:
    resource = qdef.to_fhir(definition, url=f"urn:demo:{key}", name=key.replace("-", "_"))
    questionnaire = services.questionnaire_import(
        acting_user=admin,
        text=json.dumps(resource),
        key=key,
        purpose=purpose,
        program_id=program.pk if program else None,
    )
    services.questionnaire_publish(acting_user=admin, questionnaire=questionnaire)
    return questionnaire


def load(**options: Any) -> dict[str, Any]:
    admin = User.objects.filter(username="admin", role=Role.ADMIN).first()
    alice = User.objects.filter(username="alice").first()
    if admin is None or alice is None:
        return {}
    if Questionnaire.objects.filter(agency_id=admin.agency_id, shipped="").exists():
        return {}
    housing = Program.objects.filter(agency_id=admin.agency_id, name="Housing Stability").first()
    intake = _publish(admin, "housing-intake", Questionnaire.Purpose.INTAKE, INTAKE, housing)
    tenancy = _publish(
        admin, "tenancy-readiness", Questionnaire.Purpose.INSTRUMENT, TENANCY, housing
    )
    dana = Client.objects.filter(
        agency_id=admin.agency_id, legal_first_name="Dana", merged_into__isnull=True
    ).first()
    if dana is None:
        return {"questionnaires": [intake, tenancy]}
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(admin.agency.timezone))
    if dana.episodes.filter(program=housing).exists():
        services.response_record(
            acting_user=alice,
            client=dana,
            questionnaire_id=intake.pk,
            answers={
                "served": False,
                "income-source": "wages",
                "income-in-words": "Shifts at the bakery, and my sister helps when hours get cut.",
            },
            exact_words={"income-in-words": True},
            answered_on=today - dt.timedelta(days=70),
        )
    for occasion, days_ago, levels, words in (
        (
            "entry",
            60,
            ("1", "1", "0", "2", "1"),
            "Knowing the rent is covered before the month starts.",
        ),
        (
            "review",
            5,
            ("2", "2", "1", "3", "2"),
            "Keep the budget going and ask for the repairs in writing.",
        ),
    ):
        services.response_record(
            acting_user=alice,
            client=dana,
            questionnaire_id=tenancy.pk,
            answers={
                **dict(
                    zip(
                        ("rent-budget", "lease", "landlord", "upkeep", "support"),
                        levels,
                        strict=True,
                    )
                ),
                "in-their-words": words,
            },
            exact_words={"in-their-words": True},
            occasion=occasion,
            answered_on=today - dt.timedelta(days=days_ago),
        )
    return {"questionnaires": [intake, tenancy]}
