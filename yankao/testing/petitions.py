"""Test helpers for the citizen's petition pages: sample files by content, and the challenge solved.

Used by yankao/servicedesk/tests and yankao/web/tests (HTTP and browser).
"""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile

_CHINESE_DIGITS = "零一二三四五六七八九"


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (30, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def exe_bytes() -> bytes:
    """The start of a Windows program (MZ header, PE signature): what a renamed virus looks like."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
        + b"\x00" * 43
        + b"\x80\x00\x00\x00"
        + b"\x00" * 64
        + b"PE\x00\x00"
        + b"\x00" * 200
    )


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def challenge_solve(question: str) -> str:
    """The answer to "請問三加四等於多少？" (or 減), as a citizen would type it."""
    match = re.search(f"([{_CHINESE_DIGITS}])([加減])([{_CHINESE_DIGITS}])", question)
    if match is None:
        raise AssertionError(f"no challenge question in {question!r}")
    left, operator, right = _CHINESE_DIGITS.index(match[1]), match[2], _CHINESE_DIGITS.index(match[3])
    return str(left + right if operator == "加" else left - right)
