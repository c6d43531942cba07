"""Forms of the programs pages: a month's report, the RDEC's review, filters and the workbook upload."""

from datetime import date
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from yankao.core.exceptions import InvalidDateError
from yankao.core.models import Agency
from yankao.core.roc_dates import FORMATS_HINT, roc_date_parse
from yankao.programs.models import (
    BudgetSource,
    ControlLevel,
    Light,
    Milestone,
    MilestoneStatus,
    Program,
    ProgramType,
    ProgressMethod,
)


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


class ProgramForm(forms.Form):
    """Put a program under control (RDEC staff); milestones and budgets come in their own rows."""

    code = forms.CharField(label=_("計畫編號"), max_length=40)
    name = forms.CharField(label=_("計畫名稱"), max_length=200)
    program_type = forms.ModelChoiceField(
        label=_("計畫類型"), queryset=ProgramType.objects.filter(is_active=True)
    )
    control_level = forms.ChoiceField(label=_("列管層級"), choices=ControlLevel.choices)
    agency = forms.ModelChoiceField(label=_("主辦機關"), queryset=Agency.objects.filter(is_active=True))
    co_agencies = forms.ModelMultipleChoiceField(
        label=_("協辦機關"), queryset=Agency.objects.filter(is_active=True), required=False
    )
    parent = forms.ModelChoiceField(
        label=_("上層計畫"), queryset=Program.objects.filter(parent__isnull=True), required=False,
        help_text=_("子計畫的進度依經費加權彙整至上層計畫。"),
    )  # fmt: skip
    starts_on = forms.CharField(label=_("計畫起日"), help_text=FORMATS_HINT)
    ends_on = forms.CharField(label=_("計畫迄日"))
    controlled_from = forms.CharField(label=_("列管起日"), required=False, help_text=_("空白時同計畫起日。"))
    progress_method = forms.ChoiceField(
        label=_("進度計算方式"), choices=ProgressMethod.choices, help_text=_("第一份月報送出後即不能變更。")
    )
    total_budget = forms.IntegerField(label=_("總經費（元）"), min_value=0, initial=0)
    description = forms.CharField(
        label=_("計畫內容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean_starts_on(self) -> date:
        return _roc(self.cleaned_data["starts_on"])

    def clean_ends_on(self) -> date:
        return _roc(self.cleaned_data["ends_on"])

    def clean_controlled_from(self) -> date | None:
        return _roc(self.cleaned_data["controlled_from"]) if self.cleaned_data["controlled_from"] else None


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("查核點"), max_length=200, required=False)
    planned_on = forms.CharField(label=_("預定完成日"), required=False)
    weight = forms.DecimalField(
        label=_("權重（%）"), min_value=0, max_value=100, decimal_places=2, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") and data.get("planned_on"):
            data["planned_on"] = _roc(data["planned_on"])
        elif data.get("name") or data.get("planned_on"):
            raise forms.ValidationError(_("查核點須同時填名稱及預定完成日。"))
        return data


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_("年度（民國）"), min_value=90, max_value=200, required=False)
    source = forms.ChoiceField(label=_("經費來源"), choices=BudgetSource.choices, required=False)
    amount = forms.IntegerField(label=_("金額（元）"), min_value=0, required=False)


class ProgramEditForm(forms.Form):
    """Correct a program under control (RDEC staff); code, type and owner stay as created."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("計畫名稱"), max_length=200)
    control_level = forms.ChoiceField(label=_("列管層級"), choices=ControlLevel.choices)
    ends_on = forms.CharField(label=_("計畫迄日"), help_text=FORMATS_HINT)
    controlled_until = forms.CharField(
        label=_("解除列管日"), required=False, help_text=_("計畫完成或移出列管時填寫；空白表示仍在列管。")
    )
    description = forms.CharField(
        label=_("計畫內容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean_ends_on(self) -> date:
        return _roc(self.cleaned_data["ends_on"])

    def clean_controlled_until(self) -> date | None:
        return _roc(self.cleaned_data["controlled_until"]) if self.cleaned_data["controlled_until"] else None


class MilestoneEditForm(MilestoneForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=6, max_num=12)
MilestoneEditFormSet = forms.formset_factory(MilestoneEditForm, extra=3, max_num=30)
BudgetFormSet = forms.formset_factory(BudgetForm, extra=4, max_num=12)


def _roc(text: str) -> date:
    try:
        return roc_date_parse(text)
    except InvalidDateError as error:
        raise forms.ValidationError(error.message) from error


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
    file = forms.FileField(
        label=_("填妥的月報試算表"), help_text=format_lazy("{}{}", _(".xlsx 或 .csv；"), FORMATS_HINT)
    )
