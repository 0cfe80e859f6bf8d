"""Two indexes of each link table that only repeated the first columns of its unique index
(company, owner type, owner id, address or contact), dropped: each cost an entry for every link
written (the generator writes 2.8 million links at 1M leads).

- addresslink_owner_idx and contactlink_owner_idx (company, owner type, owner id): an owner's
  links are found through the unique index (EXPLAIN at 1M: the same index scan, one owner or
  several).
- The company key's own index: the unique index starts with the company.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('addressbook', '0007_list_sort_indexes'),
        ('crm', '0015_system_event_portal_kind'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='addresslink',
            name='addresslink_owner_idx',
        ),
        migrations.RemoveIndex(
            model_name='contactlink',
            name='contactlink_owner_idx',
        ),
        migrations.AlterField(
            model_name='addresslink',
            name='company',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='crm.company', verbose_name='company'),
        ),
        migrations.AlterField(
            model_name='contactlink',
            name='company',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='crm.company', verbose_name='company'),
        ),
    ]
