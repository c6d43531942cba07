"""The demo registers: deterministic, accepted by the real import, with a believable spread."""

import io
from datetime import date

import numpy as np
import pytest

from yankao.core.models import Agency, User
from yankao.timeliness.demo import RegisterSpec, demo_csv_bytes
from yankao.timeliness.models import Document, MappingProfile
from yankao.timeliness.services import register_import

pytestmark = pytest.mark.django_db


def spec(rows: int) -> RegisterSpec:
    codes = list(Agency.objects.exclude(kind="city_government").values_list("code", flat=True)[:10])
    return RegisterSpec(
        year=2023,
        documents=rows,
        agency_codes=codes,
        agency_weights=[1.0] * len(codes),
        category_shares=[0.6, 0.1, 0.06, 0.06, 0.06, 0.06, 0.06],
        speed_shares=[0.05, 0.22, 0.63, 0.10],
        extension_share=0.1,
        combined_share=0.05,
        open_share=0.02,
    )


def test_same_seed_same_bytes() -> None:
    assert demo_csv_bytes(spec=spec(500), seed=3) == demo_csv_bytes(spec=spec(500), seed=3)
    assert demo_csv_bytes(spec=spec(500), seed=3) != demo_csv_bytes(spec=spec(500), seed=4)


def test_demo_register_is_accepted_with_a_spread_of_outcomes(rdec_staff: User) -> None:
    data = demo_csv_bytes(spec=spec(3000), seed=2023)
    outcome = register_import(
        actor=rdec_staff,
        profile=MappingProfile.objects.get(name="yankao-標準格式"),
        file=io.BytesIO(data),
        filename="demo.csv",
        as_of=date(2024, 1, 15),
    )
    assert outcome.succeeded, outcome.batch.errors[:5]
    statuses = {
        status: Document.objects.filter(status=status).count()
        for status in ("on_time", "late", "open", "open_overdue")
    }
    assert statuses["on_time"] > statuses["late"] > 0
    assert statuses["open"] + statuses["open_overdue"] > 0
    assert Document.objects.filter(extension_count__gt=0).exists()
    assert Document.objects.exclude(combine="").exists()
    assert Document.objects.filter(as_ordinary=True).exists()
    assert len(set(Document.objects.values_list("category", flat=True))) == 7
    rates = np.array(
        [
            Document.objects.filter(agency__code=code, status="on_time").count()
            / max(1, Document.objects.filter(agency__code=code).exclude(closed_on=None).count())
            for code in spec(1).agency_codes
        ]
    )
    assert rates.max() - rates.min() > 0.05  # agencies differ: rankings have a top and a bottom
