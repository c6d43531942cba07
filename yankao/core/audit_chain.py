"""The audit trail's hash chain: how an entry is hashed, how seals link, and how the chain is verified.

Each sealed entry gets `entry_hash = sha256(canonical JSON of its fields)` and
`chain_hash = sha256(previous chain_hash + entry_hash)`, the first link starting from GENESIS.
Changing an entry breaks its entry hash; changing or deleting a seal breaks the next link;
deleting an entry leaves a seal without its entry. Writing seals is `audit_seal_pending`'s job
(yankao/core/services/audit.py); this module only computes and checks.
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from yankao.core.models import AuditEntry, AuditSeal

GENESIS = "0" * 64
CANONICAL_VERSION = 1
# The fields an entry hash covers. A new AuditEntry field must not silently join this list: old
# entries would stop verifying. Add it under a new CANONICAL_VERSION instead.
HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "action",
    "target_type",
    "target_id",
    "fields",
    "ip_address",
    "request_id",
    "detail",
)
# An arbitrary constant naming the sealer's PostgreSQL advisory lock ("yankao" in ASCII).
SEAL_LOCK_KEY = 0x79616E6B616F
VERIFY_BATCH_SIZE = 2000
# How many offending ids a report lists in full; counts are always complete.
REPORT_ID_LIMIT = 50


def unsealed_tolerance() -> timedelta:
    """How old an unsealed entry may be before it counts as overdue.

    A sealing task runs up to twice the grace period after a commit (see
    `yankao.core.services.audit._audit_seal_enqueue`); the minute on top absorbs a busy worker.
    """
    return timedelta(seconds=2 * settings.YANKAO_AUDIT_SEAL_GRACE_SECONDS + 60)


def entry_canonical(entry: AuditEntry) -> bytes:
    """The entry as canonical JSON: sorted keys, no whitespace, UTF-8, times in UTC to the microsecond."""
    data: dict[str, Any] = {"v": CANONICAL_VERSION}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        data[name] = value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(entry_canonical(entry)).hexdigest()


def chain_hash_next(*, previous: str, entry_hash: str) -> str:
    return hashlib.sha256((previous + entry_hash).encode("ascii")).hexdigest()


def chain_lock() -> None:
    """Serialise sealers for the current transaction, so that two of them never fork the chain.

    PostgreSQL: a transaction-scoped advisory lock (works even before the first seal exists, unlike
    locking the last seal row). SQLite: yankao opens write transactions with BEGIN IMMEDIATE, which
    already serialises writers. The sealer-assigned primary key `seq` is the last line of defence:
    a second writer of the same link fails on it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])


def entries_unsealed() -> QuerySet[AuditEntry]:
    """Entries without a seal, oldest id first (an indexed anti-join on the seal's entry_id)."""
    return AuditEntry.objects.filter(~Exists(AuditSeal.objects.filter(entry_id=OuterRef("id")))).order_by(
        "id"
    )


@dataclass
class ChainVerification:
    """What `chain_verify` found. Id lists hold at most REPORT_ID_LIMIT ids; the counts are exact."""

    seal_count: int = 0
    head_seq: int | None = None
    head_hash: str = GENESIS
    tampered_entry_ids: list[int] = field(default_factory=list)
    tampered_count: int = 0
    deleted_entry_ids: list[int] = field(default_factory=list)
    deleted_count: int = 0
    broken_link_seqs: list[int] = field(default_factory=list)
    broken_link_count: int = 0
    unsealed_entry_ids: list[int] = field(default_factory=list)
    unsealed_count: int = 0
    anchor_mismatch: str = ""

    @property
    def ok(self) -> bool:
        return not (
            self.tampered_count
            or self.deleted_count
            or self.broken_link_count
            or self.unsealed_count
            or self.anchor_mismatch
        )

    def _note(self, kind: str, value: int) -> None:
        setattr(self, f"{kind}_count", getattr(self, f"{kind}_count") + 1)
        ids: list[int] = getattr(self, {"broken_link": "broken_link_seqs"}.get(kind, f"{kind}_entry_ids"))
        if len(ids) < REPORT_ID_LIMIT:
            ids.append(value)


def _seal_batches(batch_size: int) -> Iterator[Sequence[AuditSeal]]:
    # Keyset batches rather than one server-side cursor: same behaviour on SQLite and PostgreSQL,
    # and no long-lived transaction on a table the sealer keeps appending to.
    last_seq = 0
    while True:
        batch = list(AuditSeal.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            return
        yield batch
        last_seq = batch[-1].seq


def chain_verify(
    *,
    unsealed_after: timedelta,
    anchor: tuple[int, str] | None = None,
    progress: bool | None = None,
    batch_size: int = VERIFY_BATCH_SIZE,
) -> ChainVerification:
    """Walk every seal in order, recompute entry hashes and links, and look for overdue unsealed entries.

    `unsealed_after`: an unsealed entry older than this is reported. `anchor`: a (seq, chain_hash)
    recorded elsewhere earlier; the recomputed chain must pass through it. `progress`: show a
    progress bar on stderr (None: only on a terminal).
    """
    from tqdm import tqdm

    result = ChainVerification()
    previous = GENESIS
    expected_seq = 1
    anchor_seen = False
    with tqdm(
        total=AuditSeal.objects.count(),
        unit="seal",
        desc="verify",
        disable=None if progress is None else not progress,
    ) as bar:
        for seals in _seal_batches(batch_size):
            entries = AuditEntry.objects.in_bulk([seal.entry_id for seal in seals])
            for seal in seals:
                if seal.seq != expected_seq:
                    # Seals are numbered without gaps: a gap is a deleted seal.
                    result._note("broken_link", seal.seq)
                elif chain_hash_next(previous=previous, entry_hash=seal.entry_hash) != seal.chain_hash:
                    result._note("broken_link", seal.seq)
                entry = entries.get(seal.entry_id)
                if entry is None:
                    result._note("deleted", seal.entry_id)
                elif entry_hash(entry) != seal.entry_hash:
                    result._note("tampered", seal.entry_id)
                if anchor is not None and seal.seq == anchor[0]:
                    # A chain rewritten from some earlier point on links up again, but not through
                    # the head recorded elsewhere before the rewrite.
                    anchor_seen = True
                    if seal.chain_hash != anchor[1]:
                        result.anchor_mismatch = f"seq {anchor[0]}"
                # Continue from the stored link so that one broken link is reported once, not for
                # every link after it.
                previous = seal.chain_hash
                expected_seq = seal.seq + 1
                result.seal_count += 1
                result.head_seq, result.head_hash = seal.seq, seal.chain_hash
            bar.update(len(seals))
    if anchor is not None and not anchor_seen:
        result.anchor_mismatch = f"seq {anchor[0]} missing"
    overdue = entries_unsealed().filter(occurred_at__lt=timezone.now() - unsealed_after)
    for entry_id in overdue.values_list("id", flat=True)[:REPORT_ID_LIMIT]:
        result.unsealed_entry_ids.append(entry_id)
    result.unsealed_count = (
        len(result.unsealed_entry_ids)
        if len(result.unsealed_entry_ids) < REPORT_ID_LIMIT
        else overdue.count()
    )
    return result
