"""A family account's "must change its password" flag becomes a ``core.InitialPassword`` row, the same for every
account the school hands out (families' and teachers'); and the family accounts' names, which were split at the
last word (the page header showed "Ân Nguyễn Hải"), are kept whole in first_name, in Vietnamese order."""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone


def flags_to_rows(apps, schema_editor):
    FamilyAccount = apps.get_model("verification", "FamilyAccount")
    InitialPassword = apps.get_model("core", "InitialPassword")
    InitialPassword.objects.bulk_create(
        [InitialPassword(user_id=user_id, issued_at=created_at or timezone.now())
         for user_id, created_at in FamilyAccount.objects.filter(must_change_password=True)
         .values_list("user_id", "created_at")],
        batch_size=1000, ignore_conflicts=True)


def rows_to_flags(apps, schema_editor):
    FamilyAccount = apps.get_model("verification", "FamilyAccount")
    InitialPassword = apps.get_model("core", "InitialPassword")
    FamilyAccount.objects.filter(user_id__in=InitialPassword.objects.values("user_id")).update(
        must_change_password=True)


def names_whole(apps, schema_editor):
    User = apps.get_model("auth", "User")
    whole = Substr(Concat("last_name", Value(" "), "first_name", output_field=models.CharField()), 1, 150)
    User.objects.filter(family_account__isnull=False).exclude(last_name="").update(first_name=whole, last_name="")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_initial_password"),
        ("verification", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        # (default False first: undone, the field comes back False and the rows set it where it was True)
        migrations.AlterField(model_name="familyaccount", name="must_change_password",
                              field=models.BooleanField(default=False)),
        migrations.RunPython(flags_to_rows, rows_to_flags),
        migrations.RunPython(names_whole, migrations.RunPython.noop),
        migrations.RemoveField(model_name="familyaccount", name="must_change_password"),
    ]
