"""Keeping automated abuse off the public forms without a third-party service.

Four checks, each refusing with a plain Traditional Chinese message and changing nothing:

- a honeypot field that people never see and scripts fill in;
- a form token signed with the site's key (django.core.signing) when the form is drawn: it
  carries when the form was drawn (a submission faster than `petition.form_min_fill_seconds` is
  refused), the submission's idempotency key and a text question;
- the question, an addition or subtraction written in Chinese words (readable by screen readers,
  no image). A wrongly answered question is spent (the next form asks another), so it cannot be
  tried again and again; a correctly answered token submits one case only, because its
  idempotency key makes every replay return that same case;
- rate limits per client address and per contact (phone or e-mail), counted in Django's cache
  over `petition.rate_limit_window`. Addresses and contacts are keyed digests in the cache,
  never the values.

The cache must be shared by every app server for the limits to hold across processes (a
database or Redis cache in production); with the default per-process cache each process counts
on its own, which still bounds a single client.
"""

import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.core import signing
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yankao.core.exceptions import ApplicationError
from yankao.core.personal_data import personal_digest
from yankao.core.selectors.rules import rule_get

# Namespaces the signature (Django signing salt), not a secret: the key is SECRET_KEY.
_FORM_SIGNING_NAMESPACE = "yankao.servicedesk.petition-form"
_CHINESE_DIGITS = "零一二三四五六七八九"
_CHINESE_NUMBERS = {**{ch: n for n, ch in enumerate(_CHINESE_DIGITS)}, "十": 10, "兩": 2}
_SECONDS_PER_HOUR = 3600
_SECONDS_PER_MINUTE = 60


class SubmissionRefusedError(ApplicationError):
    """An anti-abuse check refused the submission; `code` names which."""


@dataclass(frozen=True, slots=True)
class FormToken:
    """What a drawn form carries: the signed token, its question and its idempotency key."""

    token: str
    question: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class _Payload:
    key: str
    issued_at: float
    challenge_id: str
    left: int
    right: int
    subtract: bool


# --- the form token and its question ----------------------------------------------------------


def form_token_issue(*, idempotency_key: str | None = None, issued_at: float | None = None) -> FormToken:
    """A fresh token. Redrawing a refused form keeps its idempotency key and drawing time, with a new question."""
    left, right = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    subtract = secrets.randbelow(2) == 1
    if subtract and right > left:
        left, right = right, left
    payload = _Payload(
        key=idempotency_key or secrets.token_urlsafe(18),
        issued_at=time.time() if issued_at is None else issued_at,
        challenge_id=secrets.token_urlsafe(9),
        left=left,
        right=right,
        subtract=subtract,
    )
    token = signing.dumps(
        {
            "k": payload.key,
            "t": payload.issued_at,
            "c": payload.challenge_id,
            "a": payload.left,
            "b": payload.right,
            "s": payload.subtract,
        },
        salt=_FORM_SIGNING_NAMESPACE,
        compress=False,
    )
    return FormToken(token=token, question=_question(payload), idempotency_key=payload.key)


def form_token_redraw(*, token: str) -> FormToken:
    """The token to draw a refused form with: same idempotency key and drawing time, a new question.

    An unreadable or expired token gets a fresh one (the citizen's text stays in the form).
    """
    payload = _read(token, max_age=None)
    if payload is None:
        return form_token_issue()
    return form_token_issue(idempotency_key=payload.key, issued_at=payload.issued_at)


def form_token_question(*, token: str) -> str:
    """The question a token asks ("" for an unreadable token), to draw its form again."""
    payload = _read(token, max_age=None)
    return _question(payload) if payload else ""


def form_token_verify(*, token: str, answer: str, honeypot: str, on: date) -> str:
    """The submission's idempotency key when every check passes; SubmissionRefusedError otherwise.

    Order matters for the message: a script (honeypot, tampered token) is told the least.
    """
    if honeypot.strip():
        raise SubmissionRefusedError(
            _("無法受理這次送出：表單含有不應填寫的欄位。若您使用自動填表工具，請關閉後重新填寫。"),
            code="honeypot",
        )
    max_age = float(rule_get(key="petition.form_token_max_age", on=on).value) * _SECONDS_PER_HOUR
    try:
        payload = _load(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise SubmissionRefusedError(
            _("表單已開啟太久而失效。您填寫的內容仍在，請回答新的驗證題後再送出。"), code="expired"
        ) from error
    except signing.BadSignature as error:
        raise SubmissionRefusedError(
            _("表單驗證資料不正確，請重新整理頁面後再填寫。"), code="tampered"
        ) from error
    min_seconds = float(rule_get(key="petition.form_min_fill_seconds", on=on).value)
    if time.time() - payload.issued_at < min_seconds:
        raise SubmissionRefusedError(
            _("送出速度過快，系統無法確認是由真人填寫。請確認內容無誤，回答驗證題後再送出一次。"),
            code="too_fast",
        )
    spent_key = f"yankao:petition-challenge-spent:{payload.challenge_id}"
    if cache.get(spent_key):
        raise SubmissionRefusedError(_("這一題驗證題已經作答過，請回答新的驗證題。"), code="challenge_spent")
    expected = payload.left - payload.right if payload.subtract else payload.left + payload.right
    if challenge_answer_parse(answer) != expected:
        cache.set(spent_key, True, timeout=int(max_age))
        raise SubmissionRefusedError(
            _("驗證題的答案不正確，請回答新的題目（以數字作答，例如 7 或「七」）。"),
            code="challenge_wrong",
        )
    return payload.key


def challenge_answer_parse(answer: str) -> int | None:
    """The number a citizen typed: "7", "７" (full width) or "七", "十二"; None when it is none of these."""
    text = unicodedata.normalize("NFKC", answer).strip()
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(ch not in _CHINESE_NUMBERS for ch in text):
        return None
    if "十" not in text:
        return _CHINESE_NUMBERS[text] if len(text) == 1 else None
    tens, _sep, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    return (_CHINESE_NUMBERS[tens] if tens else 1) * 10 + (_CHINESE_NUMBERS[units] if units else 0)


def _question(payload: _Payload) -> str:
    operator = _("減") if payload.subtract else _("加")
    # Numbers in Chinese words for Chinese pages; an English reader gets digits they can read.
    english = (get_language() or "").startswith("en")
    return _("請問%(left)s%(operator)s%(right)s等於多少？") % {
        "left": str(payload.left) if english else _CHINESE_DIGITS[payload.left],
        "operator": operator,
        "right": str(payload.right) if english else _CHINESE_DIGITS[payload.right],
    }


def _load(token: str, *, max_age: float | None) -> _Payload:
    age = None if max_age is None else timedelta(seconds=max_age)
    data = signing.loads(token, salt=_FORM_SIGNING_NAMESPACE, max_age=age)
    try:
        return _Payload(
            key=str(data["k"]),
            issued_at=float(data["t"]),
            challenge_id=str(data["c"]),
            left=int(data["a"]),
            right=int(data["b"]),
            subtract=bool(data["s"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("malformed payload") from error


def _read(token: str, *, max_age: float | None) -> _Payload | None:
    try:
        return _load(token, max_age=max_age)
    except signing.BadSignature:
        return None


# --- rate limits ------------------------------------------------------------------------------


def rate_window_seconds(*, on: date) -> int:
    return int(rule_get(key="petition.rate_limit_window", on=on).value) * _SECONDS_PER_MINUTE


def rate_limit_reached(*, scope: str, identity: str, limit_rule: str, on: date) -> bool:
    """Whether `identity` has used up `limit_rule` submissions (or failures) in the current window."""
    if not identity:
        return False
    limit = int(rule_get(key=limit_rule, on=on).value)
    return int(cache.get(_rate_key(scope, identity, on=on), 0)) >= limit


def rate_limit_count(*, scope: str, identity: str, on: date) -> None:
    """Count one submission (or failure) of `identity` in the current window."""
    if not identity:
        return
    key = _rate_key(scope, identity, on=on)
    # add() then incr(): atomic on a shared cache, so concurrent requests are not lost.
    if not cache.add(key, 1, timeout=rate_window_seconds(on=on)):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=rate_window_seconds(on=on))


def _rate_key(scope: str, identity: str, *, on: date) -> str:
    window = rate_window_seconds(on=on)
    bucket = int(time.time() // window) if window else 0
    return f"yankao:rate:{scope}:{bucket}:{personal_digest(scope + ':' + identity)}"
