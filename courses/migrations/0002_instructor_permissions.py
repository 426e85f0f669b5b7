"""Give the Instructors group what it needs to author courses in the admin. The admin
then limits every instructor to the courses they teach (courses/admin.py)."""

from django.db import migrations

PERMISSIONS = {
    "course": ("add", "change", "view"),
    "module": ("add", "change", "delete", "view"),
    "lesson": ("add", "change", "delete", "view"),
    "attachment": ("add", "change", "delete", "view"),
    "category": ("view",),
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("courses")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Instructors")
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="courses", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Instructors").first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="courses"))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("accounts", "0003_instructors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
