"""Background work of the core app, run by the django-tasks-db worker (`yankao db_worker`)."""

from django.tasks import task

from yankao.core.services.audit import audit_seal_pending


@task()
def audit_seal_task(grace_seconds: int | None = None) -> int:
    """Seal pending audit entries into the hash chain; enqueued after commits that wrote audit entries."""
    return audit_seal_pending(grace_seconds=grace_seconds)
