from django.db import migrations, models


def province_from_district(apps, schema_editor):
    """A school's province was its district's: the district stays for the years before 2025-2026."""
    School = apps.get_model("accounts", "School")
    for school in School.objects.filter(province__isnull=True).select_related("district"):
        school.province_id = school.district.province_id
        school.save(update_fields=["province"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0011_admin_units_2025")]

    operations = [
        migrations.RunPython(province_from_district, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="school",
            name="province",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT, related_name="schools", to="accounts.province"
            ),
        ),
    ]
