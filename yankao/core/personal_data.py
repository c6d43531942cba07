"""Personal data at rest: encryption with YANKAO_FIELD_KEY, keyed digests for lookups, and masks.

Encrypted values are decrypted only by the selectors that show them to someone handling the case
(and write the read to the audit trail). Lists, exports, the API and statistics use the masks.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from yankao.core.exceptions import ApplicationError


@cache
def _keys(secret: str) -> tuple[MultiFernet, bytes]:
    # YANKAO_FIELD_KEY may list several keys, newest first, so that old values stay readable
    # while they are re-encrypted after a rotation. Any string works: the Fernet key is derived.
    fernets = [
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(part.strip().encode()).digest()))
        for part in secret.split(",")
        if part.strip()
    ]
    digest_key = hashlib.sha256(b"yankao-digest:" + secret.split(",")[0].strip().encode()).digest()
    return MultiFernet(fernets), digest_key


def personal_encrypt(value: str) -> str:
    """The value encrypted with the current field key ("" stays "")."""
    if not value:
        return ""
    return _keys(settings.YANKAO_FIELD_KEY)[0].encrypt(value.encode()).decode()


def personal_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _keys(settings.YANKAO_FIELD_KEY)[0].decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ApplicationError("個人資料無法解密：欄位金鑰（YANKAO_FIELD_KEY）與加密時不同。") from error


def personal_digest(value: str) -> str:
    """A keyed digest of a normalised value, to find records by it (a caller's phone) without storing it."""
    if not value:
        return ""
    return hmac.new(_keys(settings.YANKAO_FIELD_KEY)[1], value.encode(), hashlib.sha256).hexdigest()


def phone_normalise(phone: str) -> str:
    """Digits only, with Taiwan's +886 written as a leading 0: "+886 912-345-678" → "0912345678"."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("886"):
        digits = "0" + digits[3:]
    return digits


def mask_name(name: str) -> str:
    """王小明 → 王○明; 王明 → 王○; 歐陽小明 → 歐○○明; Latin names keep the first letter."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "○"
    return name[0] + "○" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    digits = phone_normalise(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 7) + digits[-3:]


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    if not domain:
        return "*" * len(email)
    return (local[:1] + "***") + "@" + domain


def mask_address(address: str) -> str:
    """Keep the city and district, hide the rest: 高雄市苓雅區四維三路2號 → 高雄市苓雅區＊＊＊."""
    for marker in ("區", "鄉", "鎮", "市"):
        index = address.find(marker, 3 if address.startswith(("高雄市", "臺北市", "台北市")) else 0)
        if index != -1:
            return address[: index + 1] + "＊＊＊"
    return "＊＊＊" if address else ""
