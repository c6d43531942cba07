"""The bullying module's place in the case engine: the receiver of cases handed over to "bullying".

Imported by BullyingConfig.ready, so the receiver exists wherever Django runs (web, worker,
commands, tests). No case kind is registered: reports never become `Case` rows (ADR 0012).
"""

from yankao.bullying.services import bullying_report_receive
from yankao.cases.kinds import case_kind_receivers

KIND = "bullying"

case_kind_receivers.register(KIND, bullying_report_receive)
