"""The kinds of case the engine handles, and the modules that receive a case handed over to them."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from yankao.core.registries import Registry


@dataclass(frozen=True)
class CaseKind:
    key: str
    label: str
    number_prefix: str  # the letter a citizen sees at the front of the case number
    deadline_rule: str  # the rule key of the reply deadline


@dataclass(frozen=True)
class TransferPayload:
    """Everything a receiving module needs; after the hand-off the sending side keeps only a reference."""

    number: str
    channel: str
    received_at: datetime
    subject: str
    description: str
    petitioner_name: str
    petitioner_phone: str
    petitioner_email: str
    petitioner_address: str
    is_anonymous: bool
    attachment_paths: list[str] = field(default_factory=list)


case_kinds: Registry[CaseKind] = Registry("case kind")
# A module that takes cases over (e.g. bullying reports) registers a function that stores the
# payload on its side and returns its own reference number.
case_kind_receivers: Registry[Callable[[TransferPayload], str]] = Registry("case kind receiver")

case_kinds.register(
    "petition",
    CaseKind(key="petition", label="人民陳情", number_prefix="P", deadline_rule="petition.reply_deadline"),
)
