from django.db import migrations

OPEN_STATES = ["received", "assigned", "in_progress", "waiting_citizen"]


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.exclude(state__in=OPEN_STATES).update(is_open=False)
    Case.objects.filter(state__in=OPEN_STATES).update(is_open=True)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_is_open")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
