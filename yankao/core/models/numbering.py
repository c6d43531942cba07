from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSequence(models.Model):
    """The last number given out under a prefix (e.g. petitions received on one day)."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["prefix"]
        verbose_name = _("編號序列")
        verbose_name_plural = _("編號序列")

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"
