from django.db import migrations, models
from django.utils import timezone


def mark_existing_verified(apps, schema_editor):
    # Accounts made before verification existed keep booking as they did: treat them as verified.
    User = apps.get_model("clinic", "User")
    User.objects.filter(email_verified_at__isnull=True).update(email_verified_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0006_auditevent_object_repr_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="email verified at"),
        ),
        migrations.RunPython(mark_existing_verified, migrations.RunPython.noop),
    ]
