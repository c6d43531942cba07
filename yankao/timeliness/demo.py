"""The demo city's document registers: a year of every agency's documents (about a million rows).

The registers are written as the agencies would export them (a UTF-8 CSV in the standard
profile, ROC dates) and then imported through `register_import`, so that the demo exercises the
real import and the benchmark reuses the same writer. Everything is drawn with numpy from the
seed: the same seed writes the same file, byte for byte.

Spread (targets file, [timeliness]): agencies' shares by kind, the categories' and speed
classes' shares, and each agency's own pace (a factor on its handling time), so that rankings
have a top and a bottom; a small share is late, extended, combined or still open at export.
"""

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import numpy as np

from yankao.core.demo_framework import DemoContext, demo_generator_register
from yankao.core.models import Agency, User
from yankao.core.roc_dates import roc_date_format_compact
from yankao.timeliness.models import Document, Figure, ImportBatch, MappingProfile, Sample
from yankao.timeliness.services import register_import

VERSION = "1"
STANDARD_PROFILE = "yankao-標準格式"
HEADER = (
    "機關代碼,文號,承辦單位,類別,速別,質詢來源,申請項目,收文日期,收文時間,限辦日期,限辦天數,發文日期,"
    "彙併辦,彙併辦文號,彙併辦來文日期,展期次數,申請展期日,展期後期限,展期核准"
)
CATEGORY_LABELS = (
    "一般公文",
    "人民陳情案",
    "立委/議員質詢案",
    "專案管制案",
    "人民申請案",
    "監察案件",
    "訴願案件",
)
SPEED_LABELS = ("最速件", "速件", "普通件", "限期")
# Typical calendar days an agency of average pace takes, by category (general: by speed class).
CATEGORY_MEAN_DAYS = (0.0, 25.0, 9.0, 55.0, 18.0, 40.0, 70.0)
SPEED_MEAN_DAYS = (1.2, 3.5, 6.5, 6.0)
UNITS = ("秘書室", "第一科", "第二科", "第三科", "第四科", "企劃科", "行政科", "人事室", "會計室", "政風室")
APPLICATION_ITEMS = ("建築執照", "使用執照", "營業登記", "補助申請", "證明書核發")


@dataclass(frozen=True)
class RegisterSpec:
    year: int
    documents: int
    agency_codes: Sequence[str]
    agency_weights: Sequence[float]
    category_shares: Sequence[float]
    speed_shares: Sequence[float]
    extension_share: float
    combined_share: float
    open_share: float


def register_csv_write(*, out: IO[str], spec: RegisterSpec, rng: np.random.Generator) -> int:
    """Write a year of documents as a register CSV (standard profile) to `out`; the number of rows."""
    n = spec.documents
    weights = np.asarray(spec.agency_weights, dtype=np.float64)
    agency = rng.choice(len(spec.agency_codes), size=n, p=weights / weights.sum())
    pace = rng.uniform(0.55, 1.35, size=len(spec.agency_codes))[agency]  # each agency's own pace
    shares = np.asarray(spec.category_shares, dtype=np.float64)
    category = rng.choice(7, size=n, p=shares / shares.sum())
    speed_shares = np.asarray(spec.speed_shares, dtype=np.float64)
    speed = np.where(category == 0, rng.choice(4, size=n, p=speed_shares / speed_shares.sum()), -1)
    first = date(spec.year, 1, 1).toordinal()
    days_in_year = date(spec.year, 12, 31).toordinal() - first + 1
    received = first + rng.integers(0, days_in_year, size=n)
    mean = np.where(
        category == 0,
        np.asarray(SPEED_MEAN_DAYS)[np.maximum(speed, 0)],
        np.asarray(CATEGORY_MEAN_DAYS)[category],
    )
    # Calendar days to closing: mostly within the limit, a tail of late ones.
    used = np.floor(rng.gamma(2.0, mean * pace / 2.0)).astype(np.int64)
    closed = received + used
    export_day = date(spec.year + 1, 1, 15).toordinal()
    still_open = (rng.random(n) < spec.open_share) | (closed > export_day)
    timed = speed == 3
    set_deadline = np.where(timed, received + rng.integers(3, 21, size=n), 0)
    late_letter = timed & (rng.random(n) < 0.03)
    set_deadline = np.where(late_letter, received - rng.integers(1, 4, size=n), set_deadline)
    project = category == 3
    set_deadline = np.where(project, received + rng.integers(30, 121, size=n), set_deadline)
    control_letter = (category == 5) & (rng.random(n) < 0.5)
    set_deadline = np.where(control_letter, received + rng.integers(14, 61, size=n), set_deadline)
    extended = rng.random(n) < spec.extension_share
    extended &= category != 0  # extensions are for the 以案管制 categories and timed letters below
    extended |= timed & (rng.random(n) < spec.extension_share)
    extension_days = np.where(
        category == 6,
        rng.integers(10, 55, size=n),
        np.where(category == 2, rng.integers(1, 4, size=n), rng.integers(2, 11, size=n)),
    )
    # A day safely after each category's deadline and within its extension cap (訴願 ≤ 2 months,
    # 質詢 ≤ 5 days, 人民申請 ≤ the original period): the extended deadline is base + extension_days.
    base = np.asarray((5, 45, 21, 0, 62, 62, 92))[category]
    question_source = rng.random(n) < 0.35  # councillors' questions (the rest: legislators')
    base = np.where((category == 2) & question_source, 8, base)
    extended_to = np.where(set_deadline > received, set_deadline, received + base) + extension_days
    approved = rng.random(n) < 0.85
    combine = np.where(rng.random(n) < spec.combined_share, rng.integers(1, 3, size=n), 0)
    combine = np.where(category == 0, combine, 0)
    linked_offset = rng.integers(1, 4, size=n)
    item = rng.integers(0, len(APPLICATION_ITEMS), size=n)
    unit = rng.integers(0, len(UNITS), size=n) % (3 + agency % 7)
    hour = rng.integers(8, 18, size=n)

    # Sequence numbers per agency in order of receipt: 112 + 7 digits, as registers number them.
    order = np.lexsort((received, agency))
    sequence = np.empty(n, dtype=np.int64)
    counts = np.bincount(agency, minlength=len(spec.agency_codes))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    sequence[order] = np.arange(n) - np.repeat(starts, counts) + 1
    roc_year = spec.year - 1911

    table_first = first - 400
    roc_text = [roc_date_format_compact(date.fromordinal(table_first + i)) for i in range(days_in_year + 800)]

    def day(ordinal: int) -> str:
        return roc_text[ordinal - table_first] if ordinal else ""

    codes = list(spec.agency_codes)
    out.write(HEADER + "\n")
    columns = zip(
        agency.tolist(), sequence.tolist(), unit.tolist(), category.tolist(), speed.tolist(),
        question_source.tolist(), item.tolist(), received.tolist(), hour.tolist(), set_deadline.tolist(),
        closed.tolist(), still_open.tolist(), combine.tolist(), linked_offset.tolist(), extended.tolist(),
        extended_to.tolist(), approved.tolist(), strict=True,
    )  # fmt: skip
    lines: list[str] = []
    for a, seq, u, c, s, q, it, rec, hr, sd, cl, op, cb, lo, ex, ed, ap in columns:
        linked = ""
        linked_numbers = ""
        if cb == 1:  # 彙辦: later letters on the same matter
            linked, linked_numbers = day(rec + lo), f"{roc_year}{seq:07d}A"
        elif cb == 2:  # 併辦: an earlier letter
            linked, linked_numbers = day(rec - lo), f"{roc_year}{seq:07d}B"
        closed_text = "" if op else day(cl + (lo if cb == 1 else 0))
        extension = ("1", day(rec + 1), day(ed), "是" if ap else "否") if ex else ("", "", "", "")
        lines.append(
            ",".join(
                (
                    codes[a],
                    f"{roc_year}{seq:07d}",
                    UNITS[u],
                    CATEGORY_LABELS[c],
                    SPEED_LABELS[s] if s >= 0 else "",
                    ("市議員" if q else "立法委員") if c == 2 else "",
                    APPLICATION_ITEMS[it] if c == 4 else "",
                    day(rec),
                    str(hr),
                    day(sd),
                    "",
                    closed_text,
                    ("", "彙辦", "併辦")[cb],
                    linked_numbers,
                    linked,
                    extension[0],
                    extension[1],
                    extension[2],
                    extension[3],
                )
            )
            + "\n"
        )
        if len(lines) == 20000:
            out.write("".join(lines))
            lines = []
    out.write("".join(lines))
    return n


def demo_spec(ctx: DemoContext) -> RegisterSpec:
    year = int(ctx.target("history_year", int, table=ctx.targets_of("core")))
    kind_weights: dict[str, Any] = ctx.target("agency_kind_weights", dict)
    agencies = list(
        Agency.objects.filter(is_active=True).exclude(kind=Agency.Kind.CITY_GOVERNMENT).order_by("path")
    )
    codes = [agency.code for agency in agencies if float(kind_weights.get(agency.kind, 0)) > 0]
    weights = [
        float(kind_weights[agency.kind]) for agency in agencies if float(kind_weights.get(agency.kind, 0)) > 0
    ]
    categories: dict[str, Any] = ctx.target("category_shares", dict)
    speeds: dict[str, Any] = ctx.target("speed_shares", dict)
    return RegisterSpec(
        year=year,
        documents=ctx.target("documents", int),
        agency_codes=codes,
        agency_weights=weights,
        category_shares=[float(categories[label]) for label in CATEGORY_LABELS],
        speed_shares=[float(speeds[label]) for label in SPEED_LABELS],
        extension_share=float(ctx.target("extension_share", float)),
        combined_share=float(ctx.target("combined_share", float)),
        open_share=float(ctx.target("open_share", float)),
    )


def timeliness_demo_build(ctx: DemoContext) -> None:
    spec = demo_spec(ctx)
    actor = User.objects.filter(username="rdec_staff").first()
    if actor is None:
        raise ctx.targets_error("documents", "需先建立 core 的示範登入帳號 rdec_staff")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"registers-{spec.year}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            register_csv_write(out=out, spec=spec, rng=ctx.numpy_for("registers"))
        ctx.write(f"timeliness: {spec.documents:,} 筆公文登記已產生，匯入中")
        with path.open("rb") as file, ctx.progress(total=spec.documents, what="匯入公文登記") as bar:
            outcome = register_import(
                actor=actor,
                profile=MappingProfile.objects.get(name=STANDARD_PROFILE),
                file=file,
                filename=path.name,
                as_of=date(spec.year + 1, 1, 15),
                progress=bar.update,
            )
    if not outcome.succeeded:
        raise RuntimeError(f"示範公文登記匯入失敗：{outcome.batch.errors[:5]}")


def timeliness_demo_reset(ctx: DemoContext) -> None:
    Sample.objects.all().delete()
    Figure.objects.all().delete()
    Document.objects.all().delete()
    ImportBatch.objects.all().delete()


def timeliness_demo_has_data() -> bool:
    return Document.objects.exists()


def demo_csv_bytes(*, spec: RegisterSpec, seed: int) -> bytes:
    """A register as bytes (tests and small benchmarks)."""
    out = io.StringIO()
    register_csv_write(out=out, spec=spec, rng=np.random.default_rng(seed))
    return out.getvalue().encode("utf-8")


demo_generator_register(
    name="timeliness",
    version=VERSION,
    build=timeliness_demo_build,
    reset=timeliness_demo_reset,
    has_data=timeliness_demo_has_data,
    depends_on=("core",),
    description="一整年各機關的公文登記（約一百萬筆）及其時效查核結果",
)
