"""Forms of the programs pages: a month's report, the RDEC's review, filters and the workbook upload."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yankao.core.roc_dates import FORMATS_HINT
from yankao.programs.models import ControlLevel, Light, Milestone, MilestoneStatus, ProgramType


class ReportForm(forms.Form):
    """A month's report. Planned and actual are asked only when the program's method is "entered"."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    planned_progress = forms.DecimalField(
        label=_("累計預定進度（%）"), min_value=0, max_value=100, decimal_places=2, required=False
    )
    actual_progress = forms.DecimalField(
        label=_("累計實際進度（%）"), min_value=0, max_value=100, decimal_places=2, required=False
    )
    budget_allocated = forms.IntegerField(label=_("累計分配數（元）"), min_value=0)
    budget_executed = forms.IntegerField(label=_("累計實支數（元）"), min_value=0)
    narrative = forms.CharField(label=_("執行情形"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    delay_reason = forms.CharField(
        label=_("落後原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("實際進度落後、預算執行率未達門檻或查核點落後時必填。"),
    )
    remedy = forms.CharField(label=_("因應對策"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, milestones: list[Milestone], entered: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.milestones = milestones
        if not entered:
            del self.fields["planned_progress"]
            del self.fields["actual_progress"]
        for milestone in milestones:
            self.fields[f"milestone_{milestone.pk}"] = forms.ChoiceField(
                label=f"{milestone.sequence}. {milestone.name}",
                choices=MilestoneStatus.choices,
                initial=MilestoneStatus.NOT_DUE,
            )

    def milestone_fields(self) -> list[forms.BoundField]:
        return [self[f"milestone_{milestone.pk}"] for milestone in self.milestones]

    def base_fields_bound(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name != "version" and not name.startswith("milestone_")]


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("審查結果"),
        choices=[("accept", _("審定")), ("return", _("退回修正")), ("comment", _("僅加註意見"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("審查意見"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("退回修正時必填。"),
    )


class ProgramFilterForm(forms.Form):
    q = forms.CharField(label=_("關鍵字"), required=False, help_text=_("計畫編號或名稱"))
    program_type = forms.ModelChoiceField(
        label=_("計畫類型"), queryset=ProgramType.objects.all(), required=False, empty_label=_("全部")
    )
    control_level = forms.ChoiceField(
        label=_("列管層級"), choices=[("", _("全部")), *ControlLevel.choices], required=False
    )
    light = forms.ChoiceField(label=_("燈號"), choices=[("", _("全部")), *Light.choices], required=False)


class WorkbookTemplateForm(forms.Form):
    month = forms.CharField(label=_("填報月份"), help_text=_("如 113/03 或 2024-03"))


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(label=_("填妥的月報試算表"), help_text=_(".xlsx 或 .csv；") + FORMATS_HINT)
