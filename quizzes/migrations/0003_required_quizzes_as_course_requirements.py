"""Required quizzes become rows of enrollments' CourseRequirement (`quiz:<id>` for their
course), which the completion rule now reads instead of asking quizzes at run time."""

from django.db import migrations

BATCH = 1000


def declare(apps, schema_editor):
    Quiz = apps.get_model("quizzes", "Quiz")
    CourseRequirement = apps.get_model("enrollments", "CourseRequirement")
    required = Quiz.objects.filter(is_required=True).order_by("pk").values_list("pk", "course_id")
    batch = []
    for quiz_id, course_id in required.iterator(chunk_size=BATCH):
        batch.append(CourseRequirement(course_id=course_id, key=f"quiz:{quiz_id}"))
        if len(batch) == BATCH:
            CourseRequirement.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    CourseRequirement.objects.bulk_create(batch, ignore_conflicts=True)


def withdraw(apps, schema_editor):
    CourseRequirement = apps.get_model("enrollments", "CourseRequirement")
    CourseRequirement.objects.filter(key__startswith="quiz:").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0002_instructor_permissions"),
        ("enrollments", "0002_course_requirement"),
    ]

    operations = [migrations.RunPython(declare, withdraw)]
