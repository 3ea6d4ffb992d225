# The team custom rules moved to the assessments app (assessments/migrations/0003): the model leaves this app's
# migration state only; its table (catalog_customrule) and rows stay where they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='CustomRule')],
            database_operations=[],
        ),
    ]
