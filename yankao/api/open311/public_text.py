"""What of a petition's words may be published: the text with personal data taken out.

Open311 lists are public. A petition's description is written by a citizen who often signs it
("我是王小明，電話0912-345-678"), so before any text leaves through the public API the phone
numbers, national ID numbers, e-mail addresses, the petitioner's own name and self-introductions
are replaced by a placeholder. The patterns err on the side of removing too much.
"""

import re

REDACTED = "＊＊＊"

# Mobile (09xx), landline with area code (07-xxx-xxxx, (07)xxxxxxx), +886 forms, and any bare run
# of 7 or 8 digits (a local number without its area code): a house number never has that many.
_PHONE = re.compile(
    r"\+?886[\s\-]?\d{1,3}[\s\-]?\d{3,4}[\s\-]?\d{3,4}"
    r"|\(0\d{1,2}\)\s?\d{3,4}[\s\-]?\d{3,4}"
    r"|(?<!\d)0\d{1,3}[\s\-]?\d{3,4}[\s\-]?\d{3,4}(?!\d)"
    r"|(?<!\d)\d{7,8}(?!\d)"
)
# 身分證統一編號 and the resident certificate numbers: a letter and nine digits.
_NATIONAL_ID = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][12489]\d{8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# "我是王小明", "本人陳大同", "敝姓林", "我叫林小美", "聯絡人：張先生" — the words after are a name.
_SELF_NAMED = re.compile(
    r"(我是|我叫|本人|敝人|敝姓|我姓|聯絡人[:：]?|陳情人[:：]?|姓名[:：]?|署名[:：]?)\s*[\u4e00-\u9fff]{1,4}"
)
_SIGNATURE = re.compile(r"([\u4e00-\u9fff]{2,4})\s*(敬上|上|謹啟|敬啟)\s*$")


def public_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    """`text` without phone numbers, ID numbers, e-mails, self-introductions and the given names."""
    for name in names:
        name = name.strip()
        if len(name) >= 2:
            text = text.replace(name, REDACTED)
    text = _EMAIL.sub(REDACTED, text)
    text = _NATIONAL_ID.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    text = _SELF_NAMED.sub(lambda match: match.group(1) + REDACTED, text)
    return _SIGNATURE.sub(REDACTED + r"\2", text)
