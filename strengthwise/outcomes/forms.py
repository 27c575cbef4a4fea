"""Forms for closing an episode and coming back: parsing only; services write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from strengthwise.assessments.models import Author
from strengthwise.core.forms import FlatChoices, IdChoiceField, QuickSelect
from strengthwise.people.forms import DateInput
from strengthwise.plans.forms import LEVEL_CHOICES

from .measures import period_problem
from .models import Closure

if TYPE_CHECKING:
    from .selectors import ReportFilterChoices


class ClosureForm(forms.ModelForm):
    """What helped, in their words, comes first; then why it ends, the date and the summary."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = Closure
        fields = (
            "what_helped",
            "what_helped_author",
            "what_helped_verbatim",
            "reason",
            "reason_other",
            "closed_on",
            "worker_summary",
            "close_anyway",
        )
        widgets = {
            "what_helped": forms.Textarea(attrs={"rows": 4}),
            "worker_summary": forms.Textarea(attrs={"rows": 4}),
            "closed_on": DateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—"), *self.fields["reason"].choices[1:]]  # type: ignore[attr-defined]
        # The tick sits beside the referral summary, outside the form's element.
        self.fields["close_anyway"].widget.attrs["form"] = "closure-form"

    def _post_clean(self) -> None:
        pass

    def closure_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class FinalGasForm(forms.Form):
    """A final level by the client and by the worker for each goal that can take one."""

    def __init__(self, *args: Any, goals: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.goals = goals
        choices = [("", "—"), *LEVEL_CHOICES]
        for goal in goals:
            for who, label in (("client", _("Their score")), ("worker", _("Your score"))):
                self.fields[f"{who}_{goal.pk}"] = forms.TypedChoiceField(
                    label=label,
                    choices=choices,
                    coerce=int,
                    required=False,
                    empty_value=None,
                )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        """(goal, client field, worker field) for the template."""
        return [(g, self[f"client_{g.pk}"], self[f"worker_{g.pk}"]) for g in self.goals]

    def levels(self) -> dict[int, dict[str, int | None]]:
        out: dict[int, dict[str, int | None]] = {}
        for goal in self.goals:
            pair = {
                "client": self.cleaned_data.get(f"client_{goal.pk}"),
                "worker": self.cleaned_data.get(f"worker_{goal.pk}"),
            }
            if pair["client"] is not None or pair["worker"] is not None:
                out[goal.pk] = pair
        return out


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", _("Approve: the episode closes")),
            ("return", _("Return with comments")),
        ],
        widget=forms.RadioSelect,
        label=_("Decision"),
    )
    comment = forms.CharField(
        label=_("Comments"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return it: say what to change."),
    )


class ReopenForm(forms.Form):
    # Parsed as an id only: episode_reopen looks it up among the agency's programs.
    program = IdChoiceField(label=_("Program"))
    reason = forms.CharField(
        label=_("Why they came back, in their words where you can"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason_author = forms.ChoiceField(
        label=capfirst(_("whose words")),
        choices=Author.choices,
        initial=Author.CLIENT,
        required=False,
    )
    reason_verbatim = forms.BooleanField(label=capfirst(_("their exact words")), required=False)
    opened_on = forms.DateField(label=_("Starts on"), widget=DateInput(), required=False)

    def clean_reason_author(self) -> str:
        return self.cleaned_data.get("reason_author") or Author.CLIENT

    def __init__(self, *args: Any, programs: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = programs  # type: ignore[attr-defined]


class ReportFilterForm(forms.Form):
    """Filters of the reports page (parsing only; who may see what is decided in reports.py)."""

    program = forms.TypedChoiceField(
        label=_("Program"), required=False, coerce=int, empty_value=None
    )
    team = forms.TypedChoiceField(
        label=_("Team"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    worker = forms.TypedChoiceField(
        label=_("Worker"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, choices: ReportFilterChoices, **kwargs: Any) -> None:
        """`choices`: what the reader may filter by (`selectors.report_filter_choices`)."""
        super().__init__(*args, **kwargs)
        any_: list[tuple[Any, Any]] = [("", _("All"))]
        for name in ("program", "team", "worker"):
            self.fields[name].choices = FlatChoices(any_ + getattr(choices, name))  # type: ignore[attr-defined]
        if choices.workers_cut:
            self.fields["worker"].help_text = _("Choose a team to list its workers.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problem = period_problem(data.get("start"), data.get("end"))
        if problem:
            self.add_error("end", problem)
        return data
