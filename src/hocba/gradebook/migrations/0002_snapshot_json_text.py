"""Closing snapshots become PostgreSQL ``json`` (kept as text) with lz4 compression instead of ``jsonb``.

The documents are written once per closing and read whole; ``jsonb`` parsing plus the default pglz
compression cost the city closing more server CPU than the assessment itself.
"""

from django.db import migrations

import hocba.gradebook.fields


def lz4_on_postgresql(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                       "AND 'lz4' = ANY(enumvals)")
        if cursor.fetchone():  # a server built without lz4 keeps its default (pglz)
            cursor.execute("ALTER TABLE gradebook_studentresult ALTER COLUMN inputs SET COMPRESSION lz4, "
                           "ALTER COLUMN outputs SET COMPRESSION lz4")


class Migration(migrations.Migration):

    dependencies = [
        ("gradebook", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="studentresult",
            name="inputs",
            field=hocba.gradebook.fields.JSONTextField(),
        ),
        migrations.AlterField(
            model_name="studentresult",
            name="outputs",
            field=hocba.gradebook.fields.JSONTextField(),
        ),
        migrations.RunPython(lz4_on_postgresql, migrations.RunPython.noop),
    ]
