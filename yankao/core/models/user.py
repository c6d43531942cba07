from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """The personas of PRODUCT.md. Scope: see yankao.core.permissions."""

    CITIZEN = "citizen", _("市民")
    OPERATOR = "operator", _("1999話務員")
    OFFICER = "officer", _("機關承辦人")
    LIAISON = "liaison", _("機關研考聯絡人")
    RDEC_STAFF = "rdec_staff", _("研考會同仁")
    RDEC_ADMIN = "rdec_admin", _("研考會系統管理者")
    INVESTIGATOR = "investigator", _("霸凌調查人員")
    INSPECTOR = "inspector", _("查核委員")
    AUDITOR = "auditor", _("稽核人員")


class User(AbstractUser):
    display_name = models.CharField(_("顯示名稱"), max_length=100, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    agency = models.ForeignKey(
        "core.Agency",
        verbose_name=pgettext_lazy("the agency a user works for", "所屬機關"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("使用者")
        verbose_name_plural = _("使用者")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["officer", "liaison", "investigator"])
                | models.Q(agency__isnull=False),
                name="agency_roles_have_an_agency",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username
