from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_is_open_backfill")]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['agency', 'due_on', 'id'], name='case_open_agency_due_idx'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('is_open', True)), fields=['due_on', 'id'], name='case_open_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('is_open', True), ('state__in', ['received', 'assigned', 'in_progress', 'waiting_citizen'])), models.Q(('is_open', False), ('state__in', ['replied', 'closed', 'not_processed', 'merged', 'transferred'])), _connector='OR'), name='case_is_open_follows_state'),
        ),
    ]
