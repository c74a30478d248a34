# The audit log and the outbox move into the core app (issue 12), keeping their tables:
# only Django's record of which app owns them changes.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('statements', '0006_no_like_indexes'),
        ('control', '0001_initial'),
        ('delivery', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('actor_label', models.CharField(blank=True, max_length=150)),
                        ('action', models.CharField(choices=[('login', 'Logged in'), ('failed_login', 'Failed login'), ('logout', 'Logged out'), ('two_factor', 'Set up two-factor authentication'), ('password', 'Changed password'), ('approve', 'Approved'), ('reject', 'Rejected'), ('ask_more', 'Asked for more information'), ('invite', 'Created a founding invitation'), ('edit', 'Edited'), ('invalidate', 'Invalidated'), ('export', 'Exported'), ('erase', 'Erased')], max_length=20)),
                        ('object_type', models.CharField(blank=True, max_length=100)),
                        ('object_id', models.CharField(blank=True, max_length=64)),
                        ('object_label', models.CharField(blank=True, max_length=200)),
                        ('reason', models.TextField(blank=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'audit entries',
                        'ordering': ['-at', '-id'],
                        'default_permissions': ('view',),
                        'db_table': 'control_auditentry',
                    },
                ),
                migrations.CreateModel(
                    name='OutboxMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40)),
                        ('language', models.CharField(max_length=8)),
                        ('payload', models.BinaryField(null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('locked_until', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('failed_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.CharField(blank=True, max_length=200)),
                        ('signature', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='statements.signature')),
                        ('statement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='statements.statement')),
                    ],
                    options={
                        'indexes': [models.Index(condition=models.Q(('failed_at__isnull', True), ('sent_at__isnull', True)), fields=['next_attempt_at'], name='outbox_due')],
                        'db_table': 'delivery_outboxmessage',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
