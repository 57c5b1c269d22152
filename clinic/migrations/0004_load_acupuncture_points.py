from django.db import migrations


def load(apps, schema_editor):
    from clinic.points import load_points

    load_points(apps.get_model("clinic", "AcupuncturePoint"))


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_acupuncturepoint")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
