from typing import Any

from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "strengthwise.tasks"
    label = "tasks"
    verbose_name = "Tasks, reminders and dashboards"

    def ready(self) -> None:
        """Keep the maintained due dates (tasks/due.py) in step with the lower apps' writes.
        The receivers recompute inside the writer's transaction (not on commit), so a page
        read after the commit sees the new dates."""
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from . import due

        def client_of(path: str) -> Any:
            def get(instance: Any) -> int | None:
                value: Any = instance
                for part in path.split("__"):
                    value = getattr(value, part, None)
                    if value is None:
                        return None
                return int(value)

            return get

        watched = {
            "people.Client": client_of("pk"),
            "people.Episode": client_of("client_id"),
            "assessments.StrengthsAssessmentVersion": client_of("assessment__client_id"),
            "questionnaires.QuestionnaireResponse": client_of("client_id"),
            "notes.Note": client_of("client_id"),
            "plans.Plan": client_of("client_id"),
            "plans.PlanEvent": client_of("plan__client_id"),
            "referrals.Referral": client_of("client_id"),
            "referrals.Consent": client_of("client_id"),
        }
        client_model = apps.get_model("people", "Client")
        cascading = (client_model, apps.get_model("accounts", "Agency"))

        for label, find in watched.items():
            model = apps.get_model(label)

            def saved(
                sender: Any, instance: Any, raw: bool = False, find: Any = find, **kw: Any
            ) -> None:
                if raw:  # loaddata: `strengthwise refresh-due` afterwards
                    return
                client_id = find(instance)
                if client_id is not None:
                    due.refresh_if_tracked(client_id)

            def deleted(sender: Any, instance: Any, find: Any = find, **kw: Any) -> None:
                origin = kw.get("origin")
                origin_model = getattr(origin, "model", None) or type(origin)
                if origin is not None and issubclass(origin_model, cascading):
                    return  # the client (or agency) itself is going: its rows cascade
                client_id = find(instance)
                if client_id is not None:
                    due.refresh_if_tracked(client_id)

            post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"due-save-{label}")
            post_delete.connect(
                deleted, sender=model, weak=False, dispatch_uid=f"due-delete-{label}"
            )

        def audited(sender: Any, instance: Any, created: bool = False, **kw: Any) -> None:
            # Services that write with QuerySet.update() send no model signal; their audit
            # event, written after the change in the same transaction, does.
            if created and instance.client_id and due.audit_action_changes_due(instance.action):
                due.refresh_if_tracked(int(instance.client_id))

        post_save.connect(
            audited,
            sender=apps.get_model("audit", "AuditEvent"),
            weak=False,
            dispatch_uid="due-audit",
        )

        def program_or_team_saved(
            sender: Any, instance: Any, created: bool = False, raw: bool = False, **kw: Any
        ) -> None:
            if created or raw:
                return  # a new program or team has no clients yet
            field = "team__program" if sender._meta.model_name == "program" else "team"
            due.refresh_clients(
                due.ClientDue.objects.filter(**{f"client__{field}": instance}).values_list(
                    "client_id", flat=True
                )
            )

        for label in ("accounts.Program", "accounts.Team"):
            post_save.connect(
                program_or_team_saved,
                sender=apps.get_model(label),
                weak=False,
                dispatch_uid=f"due-settings-{label}",
            )
