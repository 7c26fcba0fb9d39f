"""Closing snapshots: PostgreSQL ``text`` instead of ``json``, links kept by the program.

``json`` made PostgreSQL parse every snapshot to check it, and the two foreign keys made it look up
and lock the class and the student row for every snapshot: together more than half of PostgreSQL's
work in the city's year close. The snapshots are written by the closing alone, from the enrolments it
has just read (see ``StudentResult``). The class column's own index duplicated the first column of
the unique (class, student, period) index.
"""

import django.db.models.deletion
from django.db import migrations, models


def text_on_postgresql(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return  # SQLite already stores text
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE gradebook_studentresult ALTER COLUMN inputs TYPE text USING inputs::text, "
                       "ALTER COLUMN outputs TYPE text USING outputs::text")
        cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                       "AND 'lz4' = ANY(enumvals)")
        if cursor.fetchone():  # a server built without lz4 keeps its default (pglz)
            cursor.execute("ALTER TABLE gradebook_studentresult ALTER COLUMN inputs SET COMPRESSION lz4, "
                           "ALTER COLUMN outputs SET COMPRESSION lz4")


def json_on_postgresql(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE gradebook_studentresult ALTER COLUMN inputs TYPE json USING inputs::json, "
                           "ALTER COLUMN outputs TYPE json USING outputs::json")


class Migration(migrations.Migration):

    dependencies = [
        ("gradebook", "0002_snapshot_json_text"),
        ("org", "0002_initial"),
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(text_on_postgresql, json_on_postgresql),
        migrations.AlterField(
            model_name="studentresult",
            name="class_group",
            field=models.ForeignKey(db_constraint=False, db_index=False,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="results",
                                    to="org.classgroup"),
        ),
        migrations.AlterField(
            model_name="studentresult",
            name="student",
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="results", to="people.student"),
        ),
    ]
