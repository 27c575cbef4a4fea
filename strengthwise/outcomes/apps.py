from typing import Any

from django.apps import AppConfig

# The rows the report measures read (outcomes/measures.py and the plan selectors it uses): a
# save or delete of one marks its agency's figures changed (outcomes/snapshots.py). The
# directory is shared by every agency, so a directory row marks them all.
REPORT_SOURCES = (
    "accounts.Agency",
    "accounts.Program",
    "accounts.Team",
    "people.Client",
    "people.Episode",
    "plans.Plan",
    "plans.Goal",
    "plans.GoalPeriod",
    "plans.GasFollowUp",
    "assessments.Factor",
    "assessments.StrengthsAssessment",
    "assessments.StrengthsAssessmentVersion",
    "referrals.Referral",
    "questionnaires.Questionnaire",
    "questionnaires.QuestionnaireVersion",
    "questionnaires.QuestionnaireResponse",
    "questionnaires.AnswerValue",
)
SHARED_SOURCES = (
    "directory.Service",
    "directory.ServiceDomain",
    "directory.Attribute",
    "directory.TaxonomyTerm",
)


class OutcomesConfig(AppConfig):
    name = "strengthwise.outcomes"
    label = "outcomes"
    verbose_name = "Closure, outcomes and reports"

    def ready(self) -> None:
        """Keep the report snapshots' version in step with every write they depend on."""
        from django.apps import apps
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import snapshots

        agency_model = apps.get_model("accounts", "Agency")

        def agency_of(instance: Any) -> int | None:
            if isinstance(instance, agency_model):
                return int(instance.pk)
            return getattr(instance, "agency_id", None)

        def changed(sender: Any, instance: Any, **kw: Any) -> None:
            agency_id = agency_of(instance)
            if agency_id is not None:
                snapshots.mark_changed(agency_id)

        def shared_changed(sender: Any, instance: Any, **kw: Any) -> None:
            snapshots.mark_changed(None)

        for label in REPORT_SOURCES:
            model = apps.get_model(label)
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"rep-s-{label}")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"rep-d-{label}")
        for label in SHARED_SOURCES:
            model = apps.get_model(label)
            post_save.connect(
                shared_changed, sender=model, weak=False, dispatch_uid=f"rep-s-{label}"
            )
            post_delete.connect(
                shared_changed, sender=model, weak=False, dispatch_uid=f"rep-d-{label}"
            )

        def strengths_linked(sender: Any, instance: Any, action: str, **kw: Any) -> None:
            if action.startswith("post_"):
                changed(sender, instance)

        m2m_changed.connect(
            strengths_linked,
            sender=apps.get_model("plans", "Goal").strengths.through,
            weak=False,
            dispatch_uid="rep-goal-strengths",
        )

        def agency_created(sender: Any, instance: Any, created: bool = False, **kw: Any) -> None:
            if created:
                snapshots.ensure_version(int(instance.pk))

        post_save.connect(
            agency_created, sender=agency_model, weak=False, dispatch_uid="rep-agency-new"
        )

        def audited(sender: Any, instance: Any, created: bool = False, **kw: Any) -> None:
            if created:
                snapshots.audited(instance.action, instance.agency_id)

        post_save.connect(
            audited,
            sender=apps.get_model("audit", "AuditEvent"),
            weak=False,
            dispatch_uid="rep-audit",
        )
