"""Catalog serializers. Read serializers are flat and read-only (cheap to render); write
serializers check shape and hand the data to courses.services."""

import functools

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses import selectors
from courses.models import Attachment, Category, Course, Lesson, Module


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "parent"]
        read_only_fields = fields


class InstructorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class CourseListSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True)
    instructors = InstructorSerializer(many=True, read_only=True)
    lesson_count = serializers.IntegerField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Course
        fields = [
            "id", "slug", "title", "summary", "category", "level", "language", "cover_image", "status",
            "published_at", "estimated_hours", "instructors", "lesson_count", "enrollment_count", "url",
        ]  # fmt: skip
        read_only_fields = fields


@functools.cache
def _list_value_fields() -> tuple[serializers.DateTimeField, serializers.DecimalField]:
    """CourseListSerializer's own fields for the values with a format, built once (a
    ModelSerializer's fields cost more to build than a page of rows); neither reads the
    serializer's context."""
    fields = CourseListSerializer().fields
    return fields["published_at"], fields["estimated_hours"]


def course_list_data(rows: list[dict], *, context: dict) -> list[dict]:
    """What `CourseListSerializer(rows' courses, many=True).data` gives, built from
    `selectors.course_list_values` rows and one query for the instructors, because the
    serializer's field machinery over model instances was most of a catalog page's cost
    (measured in docs/performance.md). Dates (in the current time zone) and decimals go
    through the serializer's own fields; a test compares both ways, field by field
    (courses/tests/test_api.py)."""
    published_at, estimated_hours = _list_value_fields()
    request = context.get("request")
    cover_url = Course._meta.get_field("cover_image").storage.url
    instructors = selectors.instructors_of(row["id"] for row in rows)
    data = []
    for row in rows:
        category = None
        if row["category_id"] is not None:
            category = {
                "id": row["category_id"],
                "name": row["category__name"],
                "slug": row["category__slug"],
                "parent": row["category__parent__slug"],
            }
        cover = cover_url(row["cover_image"]) if row["cover_image"] else None
        data.append({
            "id": row["id"],
            "slug": row["slug"],
            "title": row["title"],
            "summary": row["summary"],
            "category": category,
            "level": row["level"],
            "language": row["language"],
            # As DRF's ImageField: the storage's URL, absolute when there is a request.
            "cover_image": request.build_absolute_uri(cover) if cover and request else cover,
            "status": row["status"],
            "published_at": None if row["published_at"] is None else published_at.to_representation(row["published_at"]),
            "estimated_hours": (
                None if row["estimated_hours"] is None else estimated_hours.to_representation(row["estimated_hours"])
            ),
            "instructors": [{"id": user.pk, "name": user.display_name} for user in instructors[row["id"]]],
            "lesson_count": row["lesson_count"],
            "enrollment_count": row["enrollment_count"],
            "url": reverse("courses:detail", kwargs={"slug": row["slug"]}),
        })  # fmt: skip
    return data


class LessonOutlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "title", "kind", "is_preview", "is_required", "estimated_minutes", "position"]
        read_only_fields = fields


class OutlineItemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='"lesson" or "quiz" (later other kinds).')
    id = serializers.IntegerField()
    title = serializers.CharField()
    is_required = serializers.BooleanField()


def outline_item_payload(entry: selectors.OutlineEntry) -> dict:
    """An item of a course's outline (a lesson, a quiz) as the API shows it."""
    return {"type": entry.item_type, "id": entry.pk, "title": entry.title, "is_required": entry.is_required}


class ModuleSerializer(serializers.ModelSerializer):
    # The lessons are built as dicts, not through a nested ModelSerializer, whose cost per
    # lesson dominated a long course's outline (docs/performance.md). The schema still
    # documents them as LessonOutlineSerializer.
    lessons = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    class Meta:
        model = Module
        fields = ["id", "title", "description", "position", "lessons", "items"]
        read_only_fields = ["id", "lessons", "items"]

    @extend_schema_field(LessonOutlineSerializer(many=True))
    def get_lessons(self, module) -> list[dict]:
        fields = LessonOutlineSerializer.Meta.fields
        return [{name: getattr(lesson, name) for name in fields} for lesson in module.lessons.all()]

    @extend_schema_field(OutlineItemSerializer(many=True))
    def get_items(self, module) -> list[dict]:
        """Every item of the module in order: its lessons and quizzes."""
        found = next((m for m in selectors.outline_modules(module.course_id) if m.pk == module.pk), None)
        return [outline_item_payload(entry) for entry in found.items] if found else []


def outline_modules_payload(course_id: int) -> list[dict]:
    """A course's modules as ModuleSerializer shows them, built from its outline (kept per
    catalog version: no query once kept), not from model instances."""
    fields = LessonOutlineSerializer.Meta.fields
    return [
        {
            "id": module.pk,
            "title": module.title,
            "description": module.description,
            "position": module.position,
            "lessons": [
                {name: getattr(lesson, "pk" if name == "id" else name) for name in fields} for lesson in module.lessons
            ],
            "items": [outline_item_payload(entry) for entry in module.items],
        }
        for module in selectors.outline_modules(course_id)
    ]


class PrerequisiteSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class CourseDetailSerializer(CourseListSerializer):
    """The syllabus: modules, their lessons and other items (quizzes), never lesson bodies."""

    modules = serializers.SerializerMethodField()
    prerequisites = PrerequisiteSerializer(many=True, read_only=True)

    class Meta(CourseListSerializer.Meta):
        fields = [
            *CourseListSerializer.Meta.fields,
            "description_html", "capacity", "enrollment_opens_at", "enrollment_closes_at", "prerequisites", "modules",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ModuleSerializer(many=True))
    def get_modules(self, course) -> list[dict]:
        return outline_modules_payload(course.pk)


class CourseWriteSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    prerequisites = serializers.SlugRelatedField(
        slug_field="slug", queryset=Course.objects.all(), many=True, required=False
    )
    status = serializers.ChoiceField(choices=Course.Status.choices, required=False)
    slug = serializers.SlugField(max_length=200, required=False)

    class Meta:
        model = Course
        fields = [
            "title", "slug", "summary", "description", "category", "level", "language", "cover_image", "capacity",
            "enrollment_opens_at", "enrollment_closes_at", "estimated_hours", "prerequisites", "status",
        ]  # fmt: skip
        extra_kwargs = {"cover_image": {"required": False}}

    def get_validators(self):
        return []  # uniqueness is the service's job (and the database's)


class ModuleWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Module
        fields = ["title", "description", "position"]
        extra_kwargs = {"position": {"required": False}}


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return f"/api/v1/lessons/{attachment.lesson_id}/attachments/{attachment.pk}/"


class LessonSerializer(serializers.ModelSerializer):
    """A lesson; `body_html`, the video and attachments only for those who may read it."""

    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    module = serializers.PrimaryKeyRelatedField(read_only=True)
    body_html = serializers.SerializerMethodField()
    video_embed_url = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    can_read = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = [
            "id", "course", "module", "title", "kind", "is_preview", "is_required", "estimated_minutes", "position",
            "can_read", "body_html", "video_embed_url", "attachments",
        ]  # fmt: skip
        read_only_fields = fields

    def _readable(self) -> bool:
        return bool(self.context.get("can_read"))

    def get_can_read(self, lesson) -> bool:
        return self._readable()

    def get_body_html(self, lesson) -> str | None:
        return lesson.body_html if self._readable() else None

    def get_video_embed_url(self, lesson) -> str | None:
        return lesson.video_embed_url if self._readable() else None

    def get_attachments(self, lesson) -> list[dict]:
        if not self._readable():
            return []
        return AttachmentSerializer(lesson.listed_attachments, many=True).data


class LessonWriteSerializer(serializers.ModelSerializer):
    module = serializers.IntegerField(
        min_value=1, required=False, help_text="Move the lesson to this module of the same course (on update)."
    )

    class Meta:
        model = Lesson
        fields = [
            "title", "kind", "body", "video_url", "is_preview", "is_required", "estimated_minutes", "position", "module",
        ]  # fmt: skip
        extra_kwargs = {"position": {"required": False}}


class OrderSerializer(serializers.Serializer):
    """A new order for a set of siblings: each id once, first to last."""

    order = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True, max_length=2000)
