# The team custom rules, moved from the catalog app (catalog/migrations/0002): the model enters this app's
# migration state on the existing table (catalog_customrule), so no row is copied or lost; its content type
# (and with it the admin permissions) moves along.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, source='catalog', target='assessments'):
    content_types = apps.get_model('contenttypes', 'ContentType').objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=target, model='customrule').exists():
        content_types.filter(app_label=source, model='customrule').update(app_label=target)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, source='assessments', target='catalog')


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0002_model_webhook'),
        ('catalog', '0002_move_customrule_to_assessments'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('threatmodel', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CustomRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('rule_id', models.CharField(help_text="Stable id; findings use 'custom.<rule_id>'.", max_length=96)),
                        ('title', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True, default='')),
                        ('element_kind', models.CharField(choices=[('component', 'Component'), ('flow', 'Data flow'), ('boundary', 'Trust boundary'), ('data_asset', 'Data asset'), ('identity', 'Identity')], max_length=16)),
                        ('expression', models.TextField(help_text='CEL expression; true means the element violates the rule.')),
                        ('severity', models.CharField(choices=[('critical', 'Critical'), ('high', 'High'), ('medium', 'Medium'), ('low', 'Low'), ('info', 'Info')], default='medium', max_length=16)),
                        ('principle', models.CharField(default='zero-trust', max_length=32)),
                        ('remediation', models.TextField(blank=True, default='')),
                        ('enabled', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='custom_rules', to='threatmodel.team')),
                    ],
                    options={
                        'db_table': 'catalog_customrule',
                        'ordering': ['team', 'rule_id'],
                        'constraints': [models.UniqueConstraint(fields=('team', 'rule_id'), name='customrule_unique_team_rule')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
