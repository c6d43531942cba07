"""Duplicate detection (重複陳情偵測): which open or recently closed cases a new petition or call
probably repeats.

Three signals, each explained to the person deciding in a Chinese reason:
- the same petitioner or caller (the keyed phone/email digests the cases already store);
- the same place (coordinates within a distance, or the same road and house number / lane /
  crossing in the written address);
- similar text (character bigrams of the subject and description, with the place words and the
  polite formulas of petitions removed, and common synonyms of the same problem folded together).

`pair_judge` decides for two petitions; `duplicate_candidates_find` fetches the few cases worth
judging (one indexed query: same petitioner, or same category near the place, within the window)
and judges them. Every threshold is a row of the rule table (servicedesk/data/rules.toml).
The same `pair_judge` is scored against the hand-written pairs in data/duplicate_pairs.toml by
`duplicate_pairs_score` (precision and recall), so the measured quality is the shipped code's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from yankao.cases.models import Case
from yankao.cases.workflow import State
from yankao.core.personal_data import personal_digest, phone_normalise
from yankao.core.roc_dates import TAIWAN
from yankao.core.selectors.rules import rule_get

PAIRS_PATH = Path(__file__).resolve().parent / "data" / "duplicate_pairs.toml"
# Cases that can no longer be the one a new petition joins, nor a repeat worth showing.
EXCLUDED_STATES = (State.MERGED, State.TRANSFERRED)
# Degrees of latitude per metre; a degree of longitude is shorter by cos(latitude).
DEGREES_PER_METRE = 1 / 111_320


@dataclass(frozen=True)
class DuplicateCandidate:
    case_id: int
    number: str
    subject: str
    received_at: datetime
    agency_name: str
    score: float  # 0..1
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PetitionFeatures:
    """What is compared of a petition: never a plain phone number or e-mail, only their digests."""

    text: str
    category_code: str | None = None
    phone_digest: str = ""
    email_digest: str = ""
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""


@dataclass(frozen=True)
class DuplicateSettings:
    window_days: int
    closed_recent_days: int
    distance_metres: float
    text_threshold: float
    text_threshold_alone: float
    scan_limit: int


@dataclass(frozen=True)
class PairJudgement:
    is_duplicate: bool
    score: float
    reasons: tuple[str, ...]
    text_similarity: float
    distance_metres: float | None = None


@dataclass(frozen=True)
class PairScore:
    pairs: int
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    mistakes: tuple[str, ...] = field(default=())


def duplicate_settings(*, on: date) -> DuplicateSettings:
    def value(key: str) -> Decimal:
        return rule_get(key=key, on=on).value

    return DuplicateSettings(
        window_days=int(value("duplicate.window_days")),
        closed_recent_days=int(value("duplicate.closed_recent_days")),
        distance_metres=float(value("duplicate.distance_metres")),
        text_threshold=float(value("duplicate.text_threshold")) / 100,
        text_threshold_alone=float(value("duplicate.text_threshold_alone")) / 100,
        scan_limit=int(value("duplicate.scan_limit")),
    )


# --- text ----------------------------------------------------------------------------------

# Formulas every petition uses; they say nothing about the matter.
STOP_PHRASES = (
    "請問",
    "麻煩",
    "請儘速",
    "請盡速",
    "儘速",
    "盡速",
    "盡快",
    "儘快",
    "趕快",
    "派員",
    "前往",
    "處理",
    "改善",
    "謝謝",
    "感謝",
    "市府",
    "市政府",
    "相關單位",
    "有關單位",
    "主管機關",
    "您好",
    "你好",
    "陳情",
    "反映",
    "反應",
    "檢舉",
    "通報",
    "民眾",
    "附近",
    "一下",
    "已經",
    "好幾天",
    "很久",
    "非常",
    "真的",
    "有一個",
    "有個",
    "一個",
    "這裡",
    "那裡",
    "目前",
    "現在",
    "希望",
    "能夠",
    "可以",
    "請",
)
# Different words for the same problem, folded to one (longest first at use).
SYNONYMS: dict[str, str] = {
    "窟窿": "坑洞",
    "破洞": "坑洞",
    "凹洞": "坑洞",
    "大洞": "坑洞",
    "坑坑洞洞": "坑洞",
    "坑疤": "坑洞",
    "凹陷": "坑洞",
    "下陷": "坑洞",
    "塌陷": "坑洞",
    "路面破損": "坑洞",
    "柏油剝落": "坑洞",
    "馬路": "路面",
    "道路": "路面",
    "不亮": "燈熄",
    "沒亮": "燈熄",
    "熄滅": "燈熄",
    "故障": "燈熄",
    "壞掉": "燈熄",
    "壞了": "燈熄",
    "一閃一閃": "閃爍",
    "忽明忽暗": "閃爍",
    "時亮時暗": "閃爍",
    "紅綠燈": "號誌",
    "紅燈": "號誌",
    "交通號誌": "號誌",
    "燈號": "號誌",
    "水溝": "排水",
    "側溝": "排水",
    "排水溝": "排水",
    "積水": "淹水",
    "淹水": "淹水",
    "水淹": "淹水",
    "垃圾": "廢棄物",
    "廢棄物": "廢棄物",
    "丟棄": "棄置",
    "亂丟": "棄置",
    "亂倒": "棄置",
    "傾倒": "棄置",
    "違停": "違規停車",
    "亂停": "違規停車",
    "並排停車": "違規停車",
    "佔用": "占用",
    "路樹": "樹",
    "樹木": "樹",
    "樹枝": "樹",
    "倒塌": "傾倒樹",
    "倒下": "傾倒樹",
    "傾斜": "傾倒樹",
    "噪音": "吵",
    "很吵": "吵",
    "吵雜": "吵",
    "臭味": "臭",
    "惡臭": "臭",
    "異味": "臭",
    "流浪狗": "犬",
    "野狗": "犬",
    "狗": "犬",
}
_SYNONYM_PATTERN = re.compile("|".join(sorted(map(re.escape, SYNONYMS), key=len, reverse=True)))
_STOP_PATTERN = re.compile("|".join(sorted(map(re.escape, STOP_PHRASES), key=len, reverse=True)))
# A road, street or avenue with an optional section: 建國二路, 中華四路, 自由一路, 博愛路, 光華一路.
_ROAD = r"[\u4e00-\u9fff]{1,5}?(?:大道|路|街)(?:[一二三四五六七八九十]段)?"
_ROAD_PATTERN = re.compile(_ROAD)
_DISTRICT_PATTERN = re.compile(r"([\u4e00-\u9fff]{1,3}?區)")
_NUMBER_PATTERN = re.compile(r"(\d+)(?:之\d+)?號")
_LANE_PATTERN = re.compile(r"(\d+)巷")
_ALLEY_PATTERN = re.compile(r"(\d+)弄")
_NOT_TEXT = re.compile(r"[^\u4e00-\u9fffA-Za-z]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def text_normalise(text: str) -> str:
    """Only the words about the matter: no place, no formulas, synonyms folded, no punctuation."""
    text = text.translate(_FULLWIDTH).replace("台", "臺")
    text = re.sub(r"\d+(?:之\d+)?(?:號|巷|弄|樓)", " ", text)
    text = _DISTRICT_PATTERN.sub(" ", text)
    text = _ROAD_PATTERN.sub(" ", text)
    text = _STOP_PATTERN.sub(" ", text)
    text = _SYNONYM_PATTERN.sub(lambda match: " " + SYNONYMS[match.group(0)] + " ", text)
    return _NOT_TEXT.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def text_bigrams(text: str) -> frozenset[str]:
    grams: set[str] = set()
    for chunk in text_normalise(text).split():
        if len(chunk) == 1:
            grams.add(chunk)
        grams.update(chunk[index : index + 2] for index in range(len(chunk) - 1))
    return frozenset(grams)


def text_similarity(first: str, second: str) -> float:
    """Overlap of the two texts' character bigrams, relative to the shorter (0..1).

    Relative to the shorter one because a short call note ("路燈不亮") repeats a long web petition
    about the same lamp; a Dice coefficient would punish the length difference.
    """
    a, b = text_bigrams(first), text_bigrams(second)
    if not a or not b:
        return 0.0
    overlap = len(a & b)
    containment = overlap / min(len(a), len(b))
    dice = 2 * overlap / (len(a) + len(b))
    return (containment + dice) / 2


# --- place ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    district: str = ""
    roads: tuple[str, ...] = ()
    number: int | None = None
    lane: int | None = None
    alley: int | None = None


@lru_cache(maxsize=4096)
def place_parse(address: str) -> Place:
    address = address.translate(_FULLWIDTH).replace("台", "臺").replace("高雄市", "")
    district_match = _DISTRICT_PATTERN.search(address)
    district = district_match.group(1) if district_match else ""
    rest = address[district_match.end() :] if district_match else address
    roads = tuple(dict.fromkeys(_ROAD_PATTERN.findall(rest)))
    number = _NUMBER_PATTERN.search(rest)
    lane = _LANE_PATTERN.search(rest)
    alley = _ALLEY_PATTERN.search(rest)
    return Place(
        district=district,
        roads=roads,
        number=int(number.group(1)) if number else None,
        lane=int(lane.group(1)) if lane else None,
        alley=int(alley.group(1)) if alley else None,
    )


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty exact within a city."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class PlaceMatch:
    same: bool  # the same spot, as far as one can tell
    different: bool  # known to be elsewhere
    reason: str = ""
    metres: float | None = None


def place_compare(a: PetitionFeatures, b: PetitionFeatures, *, limit_metres: float) -> PlaceMatch:
    if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
        metres = distance_metres(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]
        if metres <= limit_metres:
            return PlaceMatch(
                same=True, different=False, reason=f"地點相近（{round(metres)} 公尺）", metres=metres
            )
        return PlaceMatch(same=False, different=True, metres=metres)
    first, second = place_parse(a.address), place_parse(b.address)
    if not first.roads or not second.roads:
        if first.district and second.district and first.district != second.district:
            return PlaceMatch(same=False, different=True)
        return PlaceMatch(same=False, different=False)
    if first.district and second.district and first.district != second.district:
        return PlaceMatch(same=False, different=True)
    shared = [road for road in first.roads if road in second.roads]
    if not shared:
        return PlaceMatch(same=False, different=True)
    road = shared[0]
    crossing = len(first.roads) > 1 and len(second.roads) > 1 and set(first.roads) == set(second.roads)
    if crossing:
        return PlaceMatch(same=True, different=False, reason=f"同一路口（{'、'.join(first.roads)}）")
    if first.lane is not None and second.lane is not None:
        if first.lane != second.lane:
            return PlaceMatch(same=False, different=True)
        if first.alley is not None and second.alley is not None and first.alley != second.alley:
            return PlaceMatch(same=False, different=True)
        return PlaceMatch(same=True, different=False, reason=f"同一巷弄（{road}{first.lane}巷）")
    if first.number is not None and second.number is not None:
        # House numbers run odd and even on opposite sides, about 5 m a number along one side.
        if abs(first.number - second.number) * 2.5 <= limit_metres:
            return PlaceMatch(same=True, different=False, reason=f"同一路段（{road}，門牌相近）")
        return PlaceMatch(same=False, different=True)
    # Only the road in common: a road runs for kilometres, so that alone is not the same place.
    return PlaceMatch(same=False, different=False, reason=f"同一道路（{road}）")


# --- one pair ------------------------------------------------------------------------------


def pair_judge(*, new: PetitionFeatures, old: PetitionFeatures, settings: DuplicateSettings) -> PairJudgement:
    """Is `old` probably the same matter as `new`? With a score (0..1) and the reasons shown."""
    similarity = text_similarity(new.text, old.text)
    same_person = bool(
        (new.phone_digest and new.phone_digest == old.phone_digest)
        or (new.email_digest and new.email_digest == old.email_digest)
    )
    place = place_compare(new, old, limit_metres=settings.distance_metres)
    other_category = bool(new.category_code and old.category_code and new.category_code != old.category_code)

    reasons: list[str] = []
    if same_person:
        reasons.append("同一陳情人")
    if place.reason:
        reasons.append(place.reason)
    reasons.append(f"內容相似（{similarity:.2f}）")

    if place.different or other_category:
        duplicate = False
    elif place.same or same_person:
        duplicate = similarity >= settings.text_threshold
    else:
        duplicate = similarity >= settings.text_threshold_alone
    score = min(1.0, 0.6 * similarity + (0.25 if place.same else 0.0) + (0.15 if same_person else 0.0))
    if place.different or other_category:
        score *= 0.5
    return PairJudgement(
        is_duplicate=duplicate,
        score=round(score, 3),
        reasons=tuple(reasons),
        text_similarity=similarity,
        distance_metres=place.metres,
    )


# --- candidates from the database -----------------------------------------------------------

_CANDIDATE_FIELDS = (
    "id",
    "number",
    "subject",
    "description",
    "received_at",
    "agency__name",
    "category__code",
    "location_text",
    "latitude",
    "longitude",
    "petitioner_phone_digest",
    "petitioner_email_digest",
)


def duplicate_candidates_find(
    *,
    text: str,
    category_code: str | None = None,
    phone: str = "",
    email: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    received_at: datetime | None = None,
    exclude_case_id: int | None = None,
    limit: int = 5,
) -> list[DuplicateCandidate]:
    """The open or recently closed cases a new petition probably repeats, most likely first.

    `phone` and `email` are the plain values typed at intake; only their digests are compared.
    """
    features = PetitionFeatures(
        text=text,
        category_code=category_code or None,
        phone_digest=personal_digest(phone_normalise(phone)) if phone.strip() else "",
        email_digest=personal_digest(email.strip().lower()) if email.strip() else "",
        latitude=float(latitude) if latitude is not None else None,
        longitude=float(longitude) if longitude is not None else None,
        address=address,
    )
    return _candidates(
        features=features, received_at=received_at, exclude_case_id=exclude_case_id, limit=limit
    )


def duplicate_candidates_for_case(*, case: Case, limit: int = 5) -> list[DuplicateCandidate]:
    """The likely duplicates of a registered case (its stored digests, place and text)."""
    features = PetitionFeatures(
        text=f"{case.subject} {case.description}",
        category_code=case.category.code,
        phone_digest=case.petitioner_phone_digest,
        email_digest=case.petitioner_email_digest,
        latitude=float(case.latitude) if case.latitude is not None else None,
        longitude=float(case.longitude) if case.longitude is not None else None,
        address=case.location_text,
    )
    return _candidates(features=features, received_at=case.received_at, exclude_case_id=case.pk, limit=limit)


def _candidates(
    *, features: PetitionFeatures, received_at: datetime | None, exclude_case_id: int | None, limit: int
) -> list[DuplicateCandidate]:
    if not features.text.strip() and not features.phone_digest and not features.email_digest:
        return []
    at = received_at or timezone.now()
    settings = duplicate_settings(on=at.astimezone(TAIWAN).date())
    rows = _candidate_rows(features=features, at=at, settings=settings, exclude_case_id=exclude_case_id)
    found: list[DuplicateCandidate] = []
    for row in rows:
        old = PetitionFeatures(
            text=f"{row['subject']} {row['description']}",
            category_code=row["category__code"],
            phone_digest=row["petitioner_phone_digest"],
            email_digest=row["petitioner_email_digest"],
            latitude=float(row["latitude"]) if row["latitude"] is not None else None,
            longitude=float(row["longitude"]) if row["longitude"] is not None else None,
            address=row["location_text"],
        )
        judgement = pair_judge(new=features, old=old, settings=settings)
        if judgement.is_duplicate:
            found.append(
                DuplicateCandidate(
                    case_id=row["id"],
                    number=row["number"],
                    subject=row["subject"],
                    received_at=row["received_at"],
                    agency_name=row["agency__name"],
                    score=judgement.score,
                    reasons=judgement.reasons,
                )
            )
    found.sort(key=lambda candidate: (-candidate.score, -candidate.received_at.timestamp()))
    return found[:limit]


def _candidate_rows(
    *, features: PetitionFeatures, at: datetime, settings: DuplicateSettings, exclude_case_id: int | None
) -> list[dict[str, Any]]:
    """One query: the cases of the window worth judging, newest first, at most `scan_limit`.

    Worth judging: the same petitioner (digest indexes), or the same category near the place
    (coordinates' box, or the written road), or, with no place at all, the same category.
    """
    since = at - timedelta(days=settings.window_days)
    closed_since = at - timedelta(days=settings.closed_recent_days)
    who = Q()
    if features.phone_digest:
        who |= Q(petitioner_phone_digest=features.phone_digest)
    if features.email_digest:
        who |= Q(petitioner_email_digest=features.email_digest)
    where = Q(category__code=features.category_code) if features.category_code else Q()
    near = Q()
    if features.latitude is not None and features.longitude is not None:
        delta_lat = settings.distance_metres * DEGREES_PER_METRE
        delta_lon = delta_lat / max(0.1, math.cos(math.radians(features.latitude)))
        near |= Q(
            latitude__range=(
                _degrees(features.latitude - delta_lat),
                _degrees(features.latitude + delta_lat),
            ),
            longitude__range=(
                _degrees(features.longitude - delta_lon),
                _degrees(features.longitude + delta_lon),
            ),
        )
    roads = place_parse(features.address).roads
    if roads:
        near |= Q(location_text__contains=roads[0])
    if near:
        where &= near
    # Nothing narrows the search (text only): the newest cases of the window, up to the scan limit.
    match = (who | where) if where else Q()
    queryset = (
        Case.objects.filter(match, received_at__gte=since, received_at__lte=at + timedelta(minutes=1))
        .filter(Q(is_open=True) | Q(closed_at__gte=closed_since))
        .exclude(state__in=EXCLUDED_STATES)
    )
    if exclude_case_id is not None:
        queryset = queryset.exclude(pk=exclude_case_id)
    return list(queryset.order_by("-received_at").values(*_CANDIDATE_FIELDS)[: settings.scan_limit])


# --- marks for the inbox ---------------------------------------------------------------------


def duplicate_marks_for_cases(*, case_ids: Sequence[int]) -> dict[int, int]:
    """For an inbox page: case id → how many other open cases probably repeat it (only those > 0).

    One query. A coarse mark, by design cheaper than the full judgement: another open case of the
    same category received within the window before or after, and either from the same petitioner
    or at the same written place. The case page lists the real candidates with their reasons.
    """
    ids = list(case_ids)
    if not ids:
        return {}
    settings = duplicate_settings(on=timezone.localdate())
    window = timedelta(days=settings.window_days)
    others = (
        Case.objects.filter(
            category_id=OuterRef("category_id"),
            is_open=True,
            received_at__gte=OuterRef("received_at") - window,
            received_at__lte=OuterRef("received_at") + window,
        )
        .exclude(pk=OuterRef("pk"))
        .filter(
            (Q(petitioner_phone_digest=OuterRef("petitioner_phone_digest")) & ~Q(petitioner_phone_digest=""))
            | (Q(location_text=OuterRef("location_text")) & ~Q(location_text=""))
        )
        .order_by()
        .values("category_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        Case.objects.filter(pk__in=ids).annotate(duplicates=Subquery(others)).values_list("pk", "duplicates")
    )
    return {pk: count for pk, count in rows if count}


def _degrees(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))
