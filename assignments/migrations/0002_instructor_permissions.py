"""Give the Instructors group the assignment permissions (scoped to their own courses
by assignments/admin.py): authoring, extensions, and grading (changing a submission)."""

from django.db import migrations

PERMISSIONS = {
    "assignment": ("add", "change", "delete", "view"),
    "extension": ("add", "change", "delete", "view"),
    "submission": ("change", "view"),
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("assignments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Instructors")
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="assignments", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Instructors").first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="assignments"))


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0001_initial"),
        ("accounts", "0003_instructors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
