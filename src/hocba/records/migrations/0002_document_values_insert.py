"""RecordVersion.document inserted with VALUES (not UNNEST) by bulk inserts on PostgreSQL; no schema change."""

from django.db import migrations

import hocba.records.models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='recordversion',
            name='document',
            field=hocba.records.models.DocumentField(verbose_name='nội dung chuẩn'),
        ),
    ]
