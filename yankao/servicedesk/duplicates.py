"""Duplicate detection (重複陳情偵測): which open or recently closed cases a new petition or call
probably repeats.

Three signals, each explained to the person deciding in a Chinese reason:
- the same petitioner or caller (the keyed phone/email digests the cases already store);
- the same place (coordinates within a distance, or the same road and house number / lane /
  crossing in the written address);
- similar matter (the problems the texts name, from a vocabulary of the words people use for each,
  blended with character bigrams of the subject and description without places and the polite
  formulas of petitions).

`pair_judge` decides for two petitions; `duplicate_candidates_find` chooses the few cases worth
judging (same petitioner, or same category near the place, within the window) on a per-process
window of narrow rows (`recent_cases`), reads them in full by primary key and judges them. Every threshold is a row of the rule table (servicedesk/data/rules.toml).
The same `pair_judge` is scored against the hand-written pairs in data/duplicate_pairs.toml by
`duplicate_pairs_score` (precision and recall), so the measured quality is the shipped code's.
"""

from __future__ import annotations

import math
import re
import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import ExpressionWrapper, F, IntegerField, Q
from django.db.models.lookups import In
from django.utils import timezone

from yankao.cases.models import Case
from yankao.cases.selectors import category_cache
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
    # The same for the pairs written after tuning and never tuned on (set = "heldout").
    heldout_pairs: int = 0
    heldout_precision: float = 1.0
    heldout_recall: float = 1.0


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
# The problems petitions are about, each with the words people use for it. Two texts naming the
# same problem in different words ("窟窿", "破了一個大洞", "路面凹陷") share the concept; two texts
# about one spot but different defects (a sunken manhole and faded zebra lines) do not.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "坑洞": (
        "坑洞",
        "坑坑洞洞",
        "窟窿",
        "破洞",
        "凹洞",
        "大洞",
        "坑",
        "洞",
        "凹陷",
        "下陷",
        "凹下",
        "塌陷",
        "破損",
        "剝落",
        "不平",
        "顛",
        "跳起來",
        "跳一下",
        "卡到",
    ),
    "人孔": ("人孔", "人孔蓋"),
    "標線": ("標線", "斑馬線", "停止線", "白線", "行人穿越道", "畫線", "劃線", "劃設"),
    "燈不亮": ("不亮", "沒亮", "熄滅", "熄", "故障", "壞", "暗", "黑漆漆", "一片黑", "停電", "沒電"),
    "閃爍": ("閃爍", "一閃一閃", "忽明忽暗", "時亮時暗", "一直閃", "閃"),
    "燈桿": ("燈桿", "路燈桿", "桿身", "底座", "傾斜", "歪", "撞", "扶正"),
    "路燈": ("路燈", "盞"),
    "號誌卡住": ("停在紅燈", "一直紅燈", "卡在紅燈", "卡住", "不會變", "不會動", "都是紅燈", "闖"),
    "號誌": ("紅綠燈", "號誌", "燈號"),
    "行人號誌": ("行人號誌", "行人燈", "小朋友", "過馬路"),
    "違停": ("違停", "違規停車", "並排", "停車", "停滿", "亂停", "停上", "停在", "佔用", "占用", "擋"),
    "紅線": ("紅線",),
    "貨車": ("貨車", "聯結車", "卸貨"),
    "公車": ("公車", "站牌", "靠站", "進站"),
    "倒樹": ("倒下", "倒塌", "吹倒", "倒樹", "橫在", "鋸", "颱風"),
    "樹枝": ("樹枝", "斷裂", "斷了", "懸", "垂", "修剪", "掉落", "裂開"),
    "樹根": ("樹根", "根部", "地磚", "隆起", "頂起", "撐破", "絆倒"),
    "樹": ("路樹", "樹木", "大樹", "樹"),
    "淹水": ("積水", "淹", "進水", "豪雨", "大雨", "下雨", "雨後", "雷陣雨", "退"),
    "溝堵": ("堵", "不通", "清溝", "清疏", "泥沙", "泥巴", "落葉", "排水", "水溝", "側溝", "下水道", "排不"),
    "溝蓋": ("溝蓋", "水溝蓋", "側溝蓋", "踩空"),
    "廢棄物": (
        "垃圾",
        "廢棄物",
        "廢料",
        "水泥塊",
        "碎磚",
        "磚",
        "沙發",
        "家具",
        "裝潢",
        "裝修",
        "營建",
        "磁磚",
        "木板",
        "丟",
        "倒",
        "棄置",
        "堆",
    ),
    "垃圾桶": ("垃圾桶", "滿出", "滿溢", "清運", "清潔隊"),
    "施工噪音": ("施工", "工地", "打樁", "機具"),
    "音樂噪音": ("音樂", "酒吧", "夜店", "重低音", "店家"),
    "噪音": ("噪音", "吵", "睡不著", "無法入睡", "擾鄰", "聲"),
    "異味": ("臭", "異味", "燒焦", "燒塑膠", "燃燒", "咳嗽", "偷排"),
    "犬": ("狗", "犬", "吠", "追"),
    "低收": ("低收入", "低收", "中低收"),
    "審核": ("審", "進度", "送件", "申請", "通知"),
    "補助撥款": ("補助", "撥款", "生活補助"),
    "房屋稅": ("房屋稅", "稅單", "稅", "現值", "核算"),
    "長照": ("長照", "喘息", "照管", "評估", "中風", "照顧"),
    "身障手冊": ("身心障礙", "手冊", "換發"),
}
_STOP_PATTERN = re.compile("|".join(sorted(map(re.escape, STOP_PHRASES), key=len, reverse=True)))
_CONCEPT_OF = {word: concept for concept, words in CONCEPTS.items() for word in words}
_CONCEPT_PATTERN = re.compile("|".join(sorted(map(re.escape, _CONCEPT_OF), key=len, reverse=True)))
DISTRICTS = (
    "楠梓區",
    "左營區",
    "鼓山區",
    "三民區",
    "鹽埕區",
    "前金區",
    "新興區",
    "苓雅區",
    "前鎮區",
    "旗津區",
    "小港區",
    "鳳山區",
    "大寮區",
    "鳥松區",
    "林園區",
    "仁武區",
    "大樹區",
    "大社區",
    "岡山區",
    "路竹區",
    "橋頭區",
    "梓官區",
    "彌陀區",
    "永安區",
    "燕巢區",
    "田寮區",
    "阿蓮區",
    "茄萣區",
    "湖內區",
    "旗山區",
    "美濃區",
    "內門區",
    "杉林區",
    "甲仙區",
    "六龜區",
    "茂林區",
    "桃源區",
    "那瑪夏區",
)
_DISTRICT_PATTERN = re.compile("(" + "|".join(DISTRICTS) + ")")
# A road, street or avenue with an optional section: 建國二路, 中華四路, 美術東二路, 青年路二段.
# The name never starts with a joining word or a verb, so "A路與B路口" gives two roads and "過馬路"
# none.
_ROAD = (
    r"(?![與和跟及、口前旁在往近靠那這從到的過走回騎開上下馬公])[\u4e00-\u9fff]"
    r"(?:(?![與和跟及、])[\u4e00-\u9fff]){1,4}?(?:大道|路|街)(?:[一二三四五六七八九十]段)?"
)
_ROAD_PATTERN = re.compile(_ROAD)
# In free text, only a road followed by a number, a section or a crossing is surely a place.
_ROAD_IN_TEXT = re.compile(_ROAD + r"(?=\d|與|和|、|跟|口|這|那|旁|附近)")
_NUMBER_PATTERN = re.compile(r"(\d+)(?:之\d+)?號")
_LANE_PATTERN = re.compile(r"(\d+)巷")
_ALLEY_PATTERN = re.compile(r"(\d+)弄")
_NOT_TEXT = re.compile(r"[^\u4e00-\u9fffA-Za-z]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def text_normalise(text: str) -> str:
    """Only the words about the matter: no place, no formulas, no punctuation."""
    text = text.translate(_FULLWIDTH).replace("台", "臺").replace("高雄市", " ")
    text = _ROAD_IN_TEXT.sub(" ", text)
    text = re.sub(r"\d+(?:之\d+)?(?:號|巷|弄|樓)", " ", text)
    text = _DISTRICT_PATTERN.sub(" ", text)
    text = _STOP_PATTERN.sub(" ", text)
    return _NOT_TEXT.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def text_concepts(text: str) -> frozenset[str]:
    return frozenset(_CONCEPT_OF[match] for match in _CONCEPT_PATTERN.findall(text_normalise(text)))


@lru_cache(maxsize=4096)
def text_bigrams(text: str) -> frozenset[str]:
    grams: set[str] = set()
    for chunk in text_normalise(text).split():
        if len(chunk) == 1:
            grams.add(chunk)
        grams.update(chunk[index : index + 2] for index in range(len(chunk) - 1))
    return frozenset(grams)


def text_similarity(first: str, second: str) -> float:
    """How alike two texts are about their matter (0..1): the problems they name, and their wording.

    The problems (CONCEPTS) weigh more than the wording, because a short call note ("路燈不亮")
    repeats a long web petition about the same lamp in few shared words. Overlaps are relative to
    the smaller side for the same reason.
    """
    a, b = text_bigrams(first), text_bigrams(second)
    wording = 0.0
    if a and b:
        overlap = len(a & b)
        wording = (overlap / min(len(a), len(b)) + 2 * overlap / (len(a) + len(b))) / 2
    concepts_a, concepts_b = text_concepts(first), text_concepts(second)
    if not concepts_a or not concepts_b:
        return wording
    shared = len(concepts_a & concepts_b)
    problems = (shared / min(len(concepts_a), len(concepts_b)) + shared / len(concepts_a | concepts_b)) / 2
    return 0.7 * problems + 0.3 * wording


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


def _place_of(petition: PetitionFeatures) -> Place:
    """The written place: the address field, or else the roads the text names (without numbers)."""
    if petition.address.strip():
        return place_parse(petition.address)
    if petition.latitude is not None:
        return Place()  # a map pin and no address: the text's roads would only be guesses
    return Place(roads=tuple(dict.fromkeys(_ROAD_PATTERN.findall(petition.text.replace("台", "臺")))))


def has_place(petition: PetitionFeatures) -> bool:
    return bool(petition.latitude is not None or petition.address.strip())


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
    first, second = _place_of(a), _place_of(b)
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
    elif not same_person and not has_place(new) and not has_place(old):
        # Two people writing about their own affairs (a benefit application, a tax bill) in the same
        # words are still two matters: without a place, only the same person makes a duplicate.
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


@dataclass(frozen=True)
class _Recent:
    """The narrow columns of one recent case: enough to choose which cases to read in full."""

    id: int
    received_at: datetime
    category_id: int
    location_text: str
    latitude: float | None
    longitude: float | None
    phone_digest: str
    email_digest: str


_RECENT_FIELDS = (
    "id",
    "received_at",
    "category_id",
    "location_text",
    "latitude",
    "longitude",
    "petitioner_phone_digest",
    "petitioner_email_digest",
)


class _RecentCases:
    """Per process: the narrow columns of the cases of the last weeks, kept up to date by id.

    Without an index on (category, received_at), choosing the candidates in SQL means reading every
    case of the window, wide rows with their text and encrypted fields: tens of milliseconds on
    every key press. Here the window is read once per process, then only the cases with a higher
    id than the last seen; the candidates chosen are then read in full by primary key, with their
    current state, so a stale narrow row can only cost one useless read. The newest row is checked
    on every use: if it is gone or changed (a restored or rolled-back database), all is re-read.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self._rows: dict[int, _Recent] = {}
        # Looked up instead of walked: a category's rows, and the rows of a phone or e-mail digest.
        self._by_category: dict[int, list[_Recent]] = {}
        self._by_digest: dict[str, list[_Recent]] = {}
        self._since: datetime | None = None
        self._newest: tuple[int, datetime] | None = None

    def since(
        self,
        since: datetime,
        *,
        until: datetime | None = None,
        category_id: int | None = None,
        digests: tuple[str, ...] = (),
    ) -> list[_Recent]:
        """The rows received since `since`: of `category_id` and of the `digests` when given, else all."""
        with self._lock:
            if self._since is None or not self._still_valid():
                self._load(since=since - timedelta(days=1))
            elif since < self._since:
                # An older window (the page of an old case): read it once, keep the cache for intake.
                older = Case.objects.filter(received_at__gte=since)
                if until is not None:
                    older = older.filter(received_at__lte=until)
                return [self._row(values) for values in self._narrow(older)]
            else:
                self._load_newer()
            assert self._since is not None
            if since - self._since > timedelta(days=7):  # forget what no window reaches any more
                kept = [row for row in self._rows.values() if row.received_at >= since]
                newest = self._newest
                self.clear()
                self._since, self._newest = since, newest
                self._index(kept)
            if category_id is None:
                rows: list[_Recent] = list(self._rows.values())
            else:
                rows = list(self._by_category.get(category_id, []))
                for digest in digests:
                    rows.extend(
                        row for row in self._by_digest.get(digest, []) if row.category_id != category_id
                    )
            return [row for row in rows if row.received_at >= since]

    def _still_valid(self) -> bool:
        if self._newest is None:
            return not Case.objects.exists()
        pk, received_at = self._newest
        return Case.objects.filter(pk=pk, received_at=received_at).exists()

    def _load(self, *, since: datetime) -> None:
        self.clear()
        self._since = since
        self._add(Case.objects.filter(received_at__gte=since))

    def _load_newer(self) -> None:
        newest = self._newest[0] if self._newest else 0
        assert self._since is not None
        self._add(Case.objects.filter(pk__gt=newest, received_at__gte=self._since))

    def _add(self, queryset: Any) -> None:
        self._index([self._row(values) for values in self._narrow(queryset)])

    def _index(self, rows: list[_Recent]) -> None:
        for row in rows:
            if row.id in self._rows:  # not expected (ids only grow); keep the indexes right anyway
                continue
            self._rows[row.id] = row
            self._by_category.setdefault(row.category_id, []).append(row)
            for digest in (row.phone_digest, row.email_digest):
                if digest:
                    self._by_digest.setdefault(digest, []).append(row)
            if self._newest is None or row.id > self._newest[0]:
                self._newest = (row.id, row.received_at)

    @staticmethod
    def _narrow(queryset: Any) -> Any:
        return queryset.order_by().values_list(*_RECENT_FIELDS)

    @staticmethod
    def _row(values: tuple[Any, ...]) -> _Recent:
        return _Recent(
            id=values[0],
            received_at=values[1],
            category_id=values[2],
            location_text=values[3],
            latitude=float(values[4]) if values[4] is not None else None,
            longitude=float(values[5]) if values[5] is not None else None,
            phone_digest=values[6],
            email_digest=values[7],
        )


recent_cases = _RecentCases()


def _candidate_rows(
    *, features: PetitionFeatures, at: datetime, settings: DuplicateSettings, exclude_case_id: int | None
) -> list[dict[str, Any]]:
    """The cases of the window worth judging, newest first, at most `scan_limit`.

    Worth judging: the same petitioner (digests), or the same category near the place (within the
    coordinates' box, or naming the same road), or, with no category and no place, any case of the
    window. Chosen on the narrow per-process rows, then read in full by primary key with the
    conditions that change: open or recently closed, not merged or transferred.
    """
    since = at - timedelta(days=settings.window_days)
    until = at + timedelta(minutes=1)
    category = category_cache.get(features.category_code) if features.category_code else None
    if features.category_code and category is None:
        return []
    roads = place_parse(features.address).roads
    box: tuple[float, float, float, float] | None = None
    if features.latitude is not None and features.longitude is not None:
        delta_lat = settings.distance_metres * DEGREES_PER_METRE
        delta_lon = delta_lat / max(0.1, math.cos(math.radians(features.latitude)))
        box = (
            features.latitude - delta_lat,
            features.latitude + delta_lat,
            features.longitude - delta_lon,
            features.longitude + delta_lon,
        )
    narrowed = category is not None or box is not None or bool(roads)

    def worth(row: _Recent) -> bool:
        if row.received_at > until or row.id == exclude_case_id:
            return False
        if (features.phone_digest and row.phone_digest == features.phone_digest) or (
            features.email_digest and row.email_digest == features.email_digest
        ):
            return True
        if category is not None and row.category_id != category.pk:
            return False
        near = box is None and not roads
        if box is not None and row.latitude is not None and row.longitude is not None:
            near = box[0] <= row.latitude <= box[1] and box[2] <= row.longitude <= box[3]
        if not near and roads:
            near = roads[0] in row.location_text
        return near or not narrowed

    digests = tuple(digest for digest in (features.phone_digest, features.email_digest) if digest)
    recent = recent_cases.since(
        since, until=until, category_id=category.pk if category is not None else None, digests=digests
    )
    chosen = sorted((row for row in recent if worth(row)), key=lambda row: row.received_at, reverse=True)
    ids = [row.id for row in chosen[: settings.scan_limit]]
    if not ids:
        return []
    closed_since = at - timedelta(days=settings.closed_recent_days)
    rows = (
        Case.objects.filter(pk__in=ids)
        .filter(Q(is_open=True) | Q(closed_at__gte=closed_since))
        .exclude(state__in=EXCLUDED_STATES)
        .values(*_CANDIDATE_FIELDS)
    )
    return sorted(rows, key=lambda row: row["received_at"], reverse=True)


# --- what the public may see -----------------------------------------------------------------
# Public pages (the petition form's "similar cases nearby") and the Open311 API show other people's
# petitions. Citizens often sign their text ("我是王小明，電話0912-345-678"), so phone numbers, ID
# numbers, e-mails, self-introductions and given names are replaced first; the patterns err on the
# side of removing too much.

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


def public_text(text: str, *, names: tuple[str, ...] = (), masked_names: tuple[str, ...] = ()) -> str:
    """`text` without phone numbers, ID numbers, e-mails, self-introductions and the given names.

    `masked_names` are the stored masks (王○明): each ○ stands for any character, so the name is
    found without decrypting it (王小明, 王曉明 and 王大明 all go; better too many than one too few).
    """
    for name in names:
        name = name.strip()
        if len(name) >= 2:
            text = text.replace(name, REDACTED)
    for mask in masked_names:
        if "○" in mask and len(mask) >= 2:
            pattern = "".join("[\u4e00-\u9fff]" if char == "○" else re.escape(char) for char in mask)
            text = re.sub(pattern, REDACTED, text)
    text = _EMAIL.sub(REDACTED, text)
    text = _NATIONAL_ID.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    text = _SELF_NAMED.sub(lambda match: match.group(1) + REDACTED, text)
    return _SIGNATURE.sub(REDACTED + r"\2", text)


@dataclass(frozen=True)
class PublicSimilarCase:
    """A similar case as a citizen may see it: what and roughly where, never who."""

    category_name: str
    subject: str
    status_label: str
    received_on: date
    place: str  # district and road only, never a house number


def duplicate_candidates_public(
    *,
    text: str,
    category_code: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    limit: int = 3,
) -> list[PublicSimilarCase]:
    """Open cases of the public categories (dispatch work) that look like the one being typed.

    For the public petition form: no petitioner signal is used (the citizen has not identified
    themselves, and must not learn who filed what), confidential petitions are left out, and only
    the category, a cleaned subject, the status, the day and the district and road are returned.
    """
    if len(text_normalise(text)) < 2:
        return []
    features = PetitionFeatures(
        text=text,
        category_code=category_code or None,
        latitude=latitude,
        longitude=longitude,
        address=address,
    )
    found = _candidates(features=features, received_at=None, exclude_case_id=None, limit=limit * 3)
    if not found:
        return []
    shown = {
        row["id"]: row
        for row in Case.objects.filter(
            pk__in=[candidate.case_id for candidate in found],
            is_open=True,
            category__is_public=True,
            wants_confidentiality=False,
        ).values(
            "id",
            "category__name",
            "subject",
            "state",
            "received_at",
            "location_text",
            "petitioner_name_masked",
        )
    }
    public: list[PublicSimilarCase] = []
    for candidate in found:
        row = shown.get(candidate.case_id)
        if row is None:
            continue
        place = place_parse(row["location_text"])
        public.append(
            PublicSimilarCase(
                category_name=row["category__name"],
                subject=public_text(row["subject"], masked_names=(row["petitioner_name_masked"],)),
                status_label=str(State(row["state"]).label),
                received_on=row["received_at"].astimezone(TAIWAN).date(),
                place=place.district + (place.roads[0] if place.roads else ""),
            )
        )
    return public[:limit]


# --- marks for the inbox ---------------------------------------------------------------------


def duplicate_marks_for_cases(*, case_ids: Sequence[int]) -> dict[int, int]:
    """For an inbox page: case id → how many other open cases probably repeat it (only those > 0).

    A coarse mark, cheaper than the full judgement (no text): another open case of the same
    category, received within the window before or after, from the same petitioner or at the same
    place (`place_compare`). Two queries of narrow columns — the page's cases, and the open cases
    of their categories through the open-cases partial index — then grouping in memory. The case
    page lists the real candidates with their reasons.
    """
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    settings = duplicate_settings(on=timezone.localdate())
    window = timedelta(days=settings.window_days)
    page = [
        _RecentCases._row(values) for values in Case.objects.filter(pk__in=ids).values_list(*_RECENT_FIELDS)
    ]
    categories = sorted({row.category_id for row in page})
    # "category_id + 0": the open cases' partial index, not every case the categories ever had.
    open_rows = [
        _RecentCases._row(values)
        for values in Case.objects.filter(is_open=True)
        .filter(In(ExpressionWrapper(F("category_id") + 0, output_field=IntegerField()), categories))
        .order_by()
        .values_list(*_RECENT_FIELDS)
    ]
    by_road: dict[tuple[int, str], list[_Recent]] = {}
    by_digest: dict[str, list[_Recent]] = {}
    pinned: dict[int, list[_Recent]] = {}
    for row in open_rows:
        for road in place_parse(row.location_text).roads[:1]:
            by_road.setdefault((row.category_id, road), []).append(row)
        for digest in (row.phone_digest, row.email_digest):
            if digest:
                by_digest.setdefault(digest, []).append(row)
        if row.latitude is not None and row.longitude is not None:
            pinned.setdefault(row.category_id, []).append(row)
    marks: dict[int, int] = {}
    for case in page:
        features = _features_of(case)
        nearby: dict[int, _Recent] = {}
        for road in place_parse(case.location_text).roads[:1]:
            nearby.update((row.id, row) for row in by_road.get((case.category_id, road), []))
        if features.latitude is not None:
            nearby.update((row.id, row) for row in pinned.get(case.category_id, []))
        for digest in (case.phone_digest, case.email_digest):
            if digest:
                nearby.update((row.id, row) for row in by_digest.get(digest, []))
        count = 0
        for other in nearby.values():
            if other.id == case.id or other.category_id != case.category_id:
                continue
            if abs(other.received_at - case.received_at) > window:
                continue
            same_person = bool(
                (case.phone_digest and case.phone_digest == other.phone_digest)
                or (case.email_digest and case.email_digest == other.email_digest)
            )
            if (
                same_person
                or place_compare(features, _features_of(other), limit_metres=settings.distance_metres).same
            ):
                count += 1
        if count:
            marks[case.id] = count
    return marks


def _features_of(row: _Recent) -> PetitionFeatures:
    return PetitionFeatures(
        text="",
        phone_digest=row.phone_digest,
        email_digest=row.email_digest,
        latitude=row.latitude,
        longitude=row.longitude,
        address=row.location_text,
    )


# --- quality on the hand-written pairs -------------------------------------------------------


@dataclass(frozen=True)
class LabelledPair:
    first: str
    second: str
    duplicate: bool
    kind: str
    heldout: bool = False


def duplicate_pairs_load(
    *, path: Path = PAIRS_PATH
) -> tuple[dict[str, PetitionFeatures], list[LabelledPair]]:
    """The hand-written petitions (as intake would see them) and their labelled pairs."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    petitions: dict[str, PetitionFeatures] = {}
    for row in data["petition"]:
        phone, email = row.get("phone", ""), row.get("email", "")
        petitions[row["id"]] = PetitionFeatures(
            text=f"{row['subject']} {row['text']}",
            category_code=row["category"],
            phone_digest=personal_digest(phone_normalise(phone)) if phone else "",
            email_digest=personal_digest(email.strip().lower()) if email else "",
            latitude=row.get("latitude"),
            longitude=row.get("longitude"),
            address=row.get("address", ""),
        )
    pairs = [
        LabelledPair(
            first=pair["a"],
            second=pair["b"],
            duplicate=pair["duplicate"],
            kind=pair["kind"],
            heldout=pair.get("set") == "heldout",
        )
        for pair in data["labels"]["pairs"]
    ]
    return petitions, pairs


def duplicate_pairs_score(*, on: date | None = None, path: Path = PAIRS_PATH) -> PairScore:
    """Precision and recall of `pair_judge` (with the rule table's settings on `on`) on the pairs."""
    settings = duplicate_settings(on=on or timezone.localdate())
    petitions, pairs = duplicate_pairs_load(path=path)
    counts = {"all": [0, 0, 0], "heldout": [0, 0, 0]}  # true positives, false positives, false negatives
    mistakes: list[str] = []
    for pair in pairs:
        judgement = pair_judge(new=petitions[pair.second], old=petitions[pair.first], settings=settings)
        outcome = -1
        if judgement.is_duplicate and pair.duplicate:
            outcome = 0
        elif judgement.is_duplicate:
            outcome = 1
            mistakes.append(
                f"誤判為重複 {pair.first}/{pair.second}（{pair.kind}）：{'、'.join(judgement.reasons)}"
            )
        elif pair.duplicate:
            outcome = 2
            mistakes.append(f"漏判 {pair.first}/{pair.second}（{pair.kind}）：{'、'.join(judgement.reasons)}")
        if outcome >= 0:
            counts["all"][outcome] += 1
            if pair.heldout:
                counts["heldout"][outcome] += 1

    def rates(name: str) -> tuple[float, float]:
        tp, fp, fn = counts[name]
        return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)

    precision, recall = rates("all")
    heldout_precision, heldout_recall = rates("heldout")
    return PairScore(
        pairs=len(pairs),
        true_positives=counts["all"][0],
        false_positives=counts["all"][1],
        false_negatives=counts["all"][2],
        precision=precision,
        recall=recall,
        mistakes=tuple(mistakes),
        heldout_pairs=sum(pair.heldout for pair in pairs),
        heldout_precision=heldout_precision,
        heldout_recall=heldout_recall,
    )
