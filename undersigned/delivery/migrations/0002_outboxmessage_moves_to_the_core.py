# The outbox's model now belongs to the core app (statements 0007); its table stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0001_initial'),
        ('statements', '0007_audit_and_outbox_join_the_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='OutboxMessage')],
            database_operations=[],
        ),
    ]
