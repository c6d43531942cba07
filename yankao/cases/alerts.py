"""Due-soon reminders and overdue escalation (稽催), written as StaffAlert rows once each."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from yankao.cases.models import Case, StaffAlert
from yankao.cases.selectors import due_soon_horizon
from yankao.cases.workflow import CLOCK_RUNNING_STATES
from yankao.core.models import Agency, Role, User
from yankao.core.selectors.rules import rule_get
from yankao.core.working_days import count_working_days


def alerts_scan(*, today: date) -> dict[str, int]:
    """Write the alerts due today: due soon → the officer (or the liaisons), overdue → the liaisons,
    long overdue → RDEC staff. Running it twice writes nothing new."""
    to_liaison = int(rule_get(key="petition.escalate_to_liaison_after", on=today).value)
    to_rdec = int(rule_get(key="petition.escalate_to_rdec_after", on=today).value)
    horizon = due_soon_horizon(today=today)
    running = Case.objects.filter(state__in=CLOCK_RUNNING_STATES).select_related("agency")
    written = {
        StaffAlert.Kind.DUE_SOON: 0,
        StaffAlert.Kind.OVERDUE_LIAISON: 0,
        StaffAlert.Kind.OVERDUE_RDEC: 0,
    }
    liaisons = _liaisons_by_agency()
    rdec_staff = list(User.objects.filter(role=Role.RDEC_STAFF, is_active=True))

    for case in running.filter(due_on__gte=today, due_on__lte=horizon).iterator():
        recipients = [case.officer] if case.officer is not None else liaisons.get(case.agency_id, [])
        written[StaffAlert.Kind.DUE_SOON] += _write(case, StaffAlert.Kind.DUE_SOON, recipients)

    for case in running.filter(due_on__lt=today).iterator():
        late = count_working_days(case.due_on, today) - 1  # working days past the due day
        if late >= to_liaison:
            written[StaffAlert.Kind.OVERDUE_LIAISON] += _write(
                case, StaffAlert.Kind.OVERDUE_LIAISON, liaisons.get(case.agency_id, [])
            )
        if late >= to_rdec:
            written[StaffAlert.Kind.OVERDUE_RDEC] += _write(case, StaffAlert.Kind.OVERDUE_RDEC, rdec_staff)
    return {str(kind): count for kind, count in written.items()}


def _liaisons_by_agency() -> dict[int, list[User]]:
    """Each agency's liaisons; an agency without one falls back to the liaisons above it."""
    by_agency: dict[int, list[User]] = {}
    liaisons = list(User.objects.filter(role=Role.LIAISON, is_active=True).select_related("agency"))
    for agency in Agency.objects.only("id", "path"):
        own = [u for u in liaisons if u.agency_id == agency.pk]
        if not own:
            ancestors = [u for u in liaisons if u.agency and agency.path.startswith(u.agency.path + "/")]
            own = (
                sorted(ancestors, key=lambda u: -len(u.agency.path if u.agency else ""))[:1]
                if ancestors
                else []
            )
        by_agency[agency.pk] = own
    return by_agency


def _write(case: Case, kind: str, recipients: list[User]) -> int:
    written = 0
    for recipient in recipients:
        try:
            with transaction.atomic():
                StaffAlert.objects.create(
                    case=case, kind=kind, recipient=recipient, created_at=timezone.now()
                )
            written += 1
        except IntegrityError:  # already alerted
            continue
    return written
