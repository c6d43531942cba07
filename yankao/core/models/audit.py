from typing import Any, NoReturn, TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("刪除")
    READ_PERSONAL = "read_personal", _("讀取個人資料")
    EXPORT = "export", _("匯出")
    LOGIN = "login", _("登入")
    LOGIN_FAILED = "login_failed", _("登入失敗")
    LOGOUT = "logout", _("登出")
    IMPORT = "import", _("匯入")
    TRANSITION = "transition", _("狀態變更")


_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit records cannot be changed.")

    def delete(self) -> NoReturn:
        raise PermissionError("Audit records cannot be deleted.")


class AuditEntry(models.Model):
    """An append-only record of a write, or of a read of personal data.

    Holds who, what (which fields of which record), when and from where; never the personal
    values themselves. The id is the sequence the sealer chains in.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("時間"), db_index=True)
    # No foreign-key constraint: an entry outlives anything it names.
    actor = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_username = models.CharField(_("使用者"), max_length=150, blank=True)
    action = models.CharField(_("動作"), max_length=30, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(_("資料類型"), max_length=100, db_index=True)
    target_id = models.CharField(_("資料編號"), max_length=64, blank=True, db_index=True)
    fields = models.JSONField(_("欄位"), default=list, blank=True)
    ip_address = models.GenericIPAddressField(_("來源位址"), null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    detail = models.JSONField(_("說明"), default=dict, blank=True)

    objects = AppendOnlyQuerySet["AuditEntry"].as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("稽核紀錄")
        verbose_name_plural = _("稽核紀錄")
        indexes = [
            models.Index(fields=["target_type", "target_id", "id"], name="audit_target_idx"),
            # Auditors mostly ask "what did this person do", newest first.
            models.Index(fields=["actor_username", "id"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.actor_username} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit records cannot be deleted.")


class AuditSeal(models.Model):
    """A link of the hash chain: the seal of one audit entry, in sealing order.

    Written only by `audit_seal_pending`, under its lock. `seq` is assigned there, contiguous from 1,
    rather than by a database sequence: sequences leave gaps on rollback, and a gapless seq makes a
    deleted seal visible on its own. See yankao/core/audit_chain.py.
    """

    seq = models.BigIntegerField(_("序號"), primary_key=True)
    entry_id = models.BigIntegerField(_("稽核紀錄編號"), unique=True)
    entry_hash = models.CharField(_("紀錄雜湊"), max_length=64)
    chain_hash = models.CharField(_("鏈結雜湊"), max_length=64)
    sealed_at = models.DateTimeField(_("封存時間"), db_index=True)

    objects = AppendOnlyQuerySet["AuditSeal"].as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("稽核封存")
        verbose_name_plural = _("稽核封存")

    def __str__(self) -> str:
        return f"seal {self.seq} of entry {self.entry_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit seals cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit seals cannot be deleted.")
