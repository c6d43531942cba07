"""Writes to the audit trail. Services call these inside their own transaction.

Entries are plain inserts (no lock, no chain work on the hot path); the `audit_seal` task chains
them later in sequence order. Never pass personal values: name the fields, not their contents.
"""

import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from yankao.core import audit_chain, request_context
from yankao.core.models import AuditAction, AuditEntry, AuditSeal
from yankao.core.row_insert import rows_insert

logger = logging.getLogger(__name__)

SEAL_BATCH_SIZE = 1000
# The sealing task looks only at entries above a floor id: the entry of the last seal written this
# long ago. An entry below it is from a transaction that stayed open longer than this; the periodic
# `yankao audit seal` (a full scan) seals it, and `yankao audit verify` reports it until then.
SEAL_LATE_WINDOW = timedelta(hours=1)


def audit_record(
    *,
    action: AuditAction | str,
    target_type: str,
    target_id: str | int = "",
    fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditEntry:
    """Append one audit entry. The actor, address and request id default to the current request's."""
    context = request_context.current()
    actor = actor if actor is not None else context.user
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        occurred_at=timezone.now(),
        actor_id=actor_id,
        actor_username=actor.get_username() if actor_id is not None else "",
        action=str(action),
        target_type=target_type,
        target_id=str(target_id),
        fields=sorted(set(fields)),
        ip_address=context.ip_address,
        request_id=context.request_id,
        detail=detail or {},
    )
    rows_insert(rows=[entry])  # the trail is written on every action: the lean insert
    _audit_seal_after_commit()
    return entry


def audit_record_for(
    instance: models.Model,
    *,
    action: AuditAction | str,
    fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditEntry:
    """Append an audit entry about a model instance (its label and primary key name the target)."""
    return audit_record(
        action=action,
        target_type=instance._meta.label_lower,
        target_id=str(instance.pk),
        fields=fields,
        detail=detail,
        actor=actor,
    )


def audit_seal_pending(
    *, now: datetime | None = None, grace_seconds: int | None = None, full_scan: bool = False
) -> int:
    """Seal the unsealed entries older than the grace period, in id order; return how many were sealed.

    Entries that committed late (an id below ids already sealed) join the end of the chain. Sealers
    are serialised by `audit_chain.chain_lock`, one short transaction per batch. `full_scan` also
    looks below the late-commit floor (see SEAL_LATE_WINDOW).
    """
    now = now or timezone.now()
    grace = settings.YANKAO_AUDIT_SEAL_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = now - timedelta(seconds=grace)
    sealed = 0
    while True:
        with transaction.atomic():
            audit_chain.chain_lock()
            candidates = audit_chain.entries_unsealed().filter(occurred_at__lte=cutoff)
            if not full_scan:
                candidates = candidates.filter(id__gt=_audit_seal_floor(now=now))
            entries = list(candidates[:SEAL_BATCH_SIZE])
            if not entries:
                return sealed
            last = AuditSeal.objects.order_by("-seq").first()
            seq, previous = (last.seq, last.chain_hash) if last else (0, audit_chain.GENESIS)
            sealed_at = timezone.now()
            seals = []
            for entry in entries:
                seq += 1
                digest = audit_chain.entry_hash(entry)
                previous = audit_chain.chain_hash_next(previous=previous, entry_hash=digest)
                seals.append(
                    AuditSeal(
                        seq=seq,
                        entry_id=entry.pk,
                        entry_hash=digest,
                        chain_hash=previous,
                        sealed_at=sealed_at,
                    )
                )
            AuditSeal.objects.bulk_create(seals)
        sealed += len(seals)
        if len(seals) < SEAL_BATCH_SIZE:
            return sealed


def _audit_seal_floor(*, now: datetime) -> int:
    seal = (
        AuditSeal.objects.filter(sealed_at__lte=now - SEAL_LATE_WINDOW)
        .order_by("-sealed_at", "-seq")
        .only("entry_id")
        .first()
    )
    return seal.entry_id if seal else 0


# When this process may next enqueue a deferred sealing task (time.monotonic()).
_seal_window_lock = threading.Lock()
_seal_window_ends = 0.0


def _audit_seal_after_commit() -> None:
    # One callback per transaction, however many entries it writes.
    if connection.in_atomic_block and any(
        item[1] is _audit_seal_enqueue for item in connection.run_on_commit
    ):
        return
    transaction.on_commit(_audit_seal_enqueue, robust=True)


def _audit_seal_enqueue() -> None:
    """Ask the task worker to seal soon, at most once per grace period per process.

    A task enqueued at t runs at t + 2 x grace and seals every entry that occurred by t + grace, so
    it covers each commit of this process until its window closes at t + grace; the next commit
    opens the next window. Backends that cannot defer (the immediate backend of tests and
    single-process development) seal at once, without the grace period: the entry is committed.
    """
    global _seal_window_ends
    from yankao.core.tasks import audit_seal_task

    grace = settings.YANKAO_AUDIT_SEAL_GRACE_SECONDS
    if not audit_seal_task.get_backend().supports_defer:
        audit_seal_task.enqueue(grace_seconds=0)
        return
    with _seal_window_lock:
        if time.monotonic() < _seal_window_ends:
            return
        _seal_window_ends = time.monotonic() + grace
    audit_seal_task.using(run_after=timezone.now() + timedelta(seconds=2 * grace + 1)).enqueue()
