"""Checks of a petition's attachments: type by content (never by file name), size and count.

Accepted: JPEG, PNG, HEIC/HEIF and PDF. HEIC is what an iPhone camera writes; refusing it would
turn away the photo that shows the pothole. (The form's `accept` attribute lists JPEG, PNG and PDF
only, so that iOS converts a HEIC photo to JPEG on upload: HEIC arrives only from other devices,
and officers' browsers that cannot show it can still download it.) Limits are rule rows
(`petition.attachment_max_mb`, `petition.attachment_max_count`).
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import puremagic
from django.utils.translation import gettext as _

from yankao.core.exceptions import ApplicationError
from yankao.core.selectors.rules import rule_get

ALLOWED_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
    "application/pdf": "PDF",
}
# The major brands of ISO media files that hold a HEIF image. puremagic knows `heic` only; a
# HEIF photo from an Android phone (`mif1`) would otherwise be refused.
_HEIF_BRANDS = {b"heic": "image/heic", b"heix": "image/heic", b"heim": "image/heic", b"heis": "image/heic"}
_HEIF_BRANDS |= {b"mif1": "image/heif", b"msf1": "image/heif", b"hevc": "image/heif", b"hevx": "image/heif"}
# What a file is identified by: signatures sit at the start (and PDF's trailer at the end).
_SNIFF_BYTES = 8192
_BYTES_PER_MB = 1024 * 1024
_NAME_MAX_LENGTH = 200  # CaseAttachment.original_name


class UploadedFileLike(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = -1) -> bytes: ...

    def seek(self, offset: int, whence: int = 0) -> int: ...


class AttachmentRefusedError(ApplicationError):
    def __init__(self, message: str, **kwargs: object) -> None:
        super().__init__(message, code="attachment_refused", extra=dict(kwargs))


@dataclass(frozen=True, slots=True)
class CheckedAttachment:
    """An attachment whose content was identified as an allowed type."""

    name: str
    content: bytes
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class AttachmentLimits:
    max_bytes: int
    max_mb: int
    max_count: int


def attachment_limits(*, on: date) -> AttachmentLimits:
    max_mb = int(rule_get(key="petition.attachment_max_mb", on=on).value)
    max_count = int(rule_get(key="petition.attachment_max_count", on=on).value)
    return AttachmentLimits(max_bytes=max_mb * _BYTES_PER_MB, max_mb=max_mb, max_count=max_count)


def attachment_content_type(content: bytes) -> str | None:
    """The allowed MIME type that the content is, or None (not by name: a renamed .exe is None)."""
    head = content[:_SNIFF_BYTES]
    if head[4:8] == b"ftyp":
        return _HEIF_BRANDS.get(head[8:12])
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return None
    if not matches:
        return None
    # Only the most certain identifications count: a weak match further down the list is how a
    # crafted file would pass for an image.
    best = max(match.confidence for match in matches)
    for match in matches:
        if match.confidence == best and match.mime_type in ALLOWED_TYPES:
            return str(match.mime_type)
    return None


def attachments_check(
    *, files: Sequence[UploadedFileLike] | Iterable[UploadedFileLike], on: date
) -> list[CheckedAttachment]:
    """The files read and identified; AttachmentRefusedError naming the first file that is refused.

    Nothing is stored here: a refusal leaves no trace, and the caller registers the case only when
    every file passed.
    """
    files = list(files)
    limits = attachment_limits(on=on)
    if len(files) > limits.max_count:
        raise AttachmentRefusedError(
            _("附件最多 %(count)s 個，您選了 %(given)s 個，請刪減後再送出。")
            % {"count": limits.max_count, "given": len(files)},
            reason="too_many",
        )
    checked = []
    for upload in files:
        name = _display_name(upload.name)
        if upload.size is not None and upload.size > limits.max_bytes:
            raise _too_large(name, limits)
        upload.seek(0)
        content = upload.read(limits.max_bytes + 1)
        if len(content) > limits.max_bytes:
            raise _too_large(name, limits)
        if not content:
            raise AttachmentRefusedError(
                _("附件「%(name)s」是空的檔案，請重新選擇。") % {"name": name}, file=name, reason="empty"
            )
        content_type = attachment_content_type(content)
        if content_type is None:
            raise AttachmentRefusedError(
                _(
                    "附件「%(name)s」不是可接受的檔案類型。系統依檔案內容判斷類型（不看副檔名），"
                    "只接受 JPEG、PNG、HEIC 照片與 PDF 文件。"
                )
                % {"name": name},
                file=name,
                reason="type",
            )
        checked.append(
            CheckedAttachment(
                name=name,
                content=content,
                content_type=content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    return checked


def _too_large(name: str, limits: AttachmentLimits) -> AttachmentRefusedError:
    return AttachmentRefusedError(
        _("附件「%(name)s」超過 %(mb)s MB 的大小上限，請縮小或改用較小的檔案。")
        % {"name": name, "mb": limits.max_mb},
        file=name,
        reason="too_large",
    )


def _display_name(name: str | None) -> str:
    # A browser may send a path ("C:\\fakepath\\a.jpg"); keep the last part, printable, bounded.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:_NAME_MAX_LENGTH] or _("未命名檔案")
