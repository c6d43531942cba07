"""The case kind of 1999 dispatch work (派工), registered with the case engine.

A dispatched call (a street light out, a pothole) is work for an agency's crew, not a petition
under 行政程序法 ch.7: it gets its own number prefix ("D") and its own reply deadline rule
(`dispatch.reply_deadline`, in this app's data/rules.toml), and the petition statistics leave it
out. Imported by models.py, so the kind exists whenever the app is loaded.
"""

from yankao.cases.kinds import CaseKind, case_kinds

DISPATCH_KIND = "dispatch"

case_kinds.register(
    DISPATCH_KIND,
    CaseKind(key=DISPATCH_KIND, label="1999派工", number_prefix="D", deadline_rule="dispatch.reply_deadline"),
)
