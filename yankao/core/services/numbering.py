"""Public numbers that people quote (case numbers): gap-free per prefix, safe under concurrency."""

from django.db import IntegrityError, transaction
from django.db.models import F

from yankao.core.models import NumberSequence


def number_next(*, prefix: str, width: int = 5) -> str:
    """The next number under `prefix`, e.g. number_next(prefix="P1151127-") → "P1151127-00001"."""
    with transaction.atomic():
        updated = NumberSequence.objects.filter(prefix=prefix).update(last=F("last") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(prefix=prefix, last=1)
            except IntegrityError:  # another request created it first
                NumberSequence.objects.filter(prefix=prefix).update(last=F("last") + 1)
        last = NumberSequence.objects.values_list("last", flat=True).get(prefix=prefix)
    return f"{prefix}{last:0{width}d}"
