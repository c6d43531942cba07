from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsAnnualConfig(AppConfig):
    """The yearly cycle around the programs: the annual plan, evaluations and tracked items.

    A separate app label inside the programs domain so that its tables and migrations evolve
    apart from the monthly control of programs (docs/adr/0009).
    """

    name = "yankao.programs.annual"
    label = "programs_annual"
    verbose_name = _("年度計畫與考核")
