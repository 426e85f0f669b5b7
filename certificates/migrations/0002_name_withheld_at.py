"""An erased learner's certificate is marked by its own field, `name_withheld_at`,
instead of the special value "erased" in `render_error` (which now only ever says why a
PDF could not be made). The column is nullable, so adding it rewrites no row; the few
erased certificates are then moved over in one statement each way."""

from django.db import migrations, models
from django.db.models import F

ERASED = "erased"


def mark(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    Certificate.objects.filter(render_error=ERASED).update(name_withheld_at=F("updated_at"), render_error="")


def unmark(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    Certificate.objects.filter(name_withheld_at__isnull=False).update(render_error=ERASED, name_withheld_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="name_withheld_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark, unmark),
    ]
