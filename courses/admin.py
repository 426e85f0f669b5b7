"""The instructors' home: course authoring in the Django admin.

Admins (full access) see everything. An instructor sees and edits only the courses they
teach, and the modules, lessons and attachments in them; they never see another
instructor's drafts. Status changes go through courses.services (publish needs a lesson).
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from courses import access, services
from courses.models import Attachment, Category, Course, Lesson, Module
from lms import admin as lms_admin
from lms.exceptions import ApplicationError


class InstructorScopedAdmin(lms_admin.HistoryAdmin):
    """Limits querysets and foreign-key choices to what the instructor teaches."""

    course_path = "course"  # lookup from this model to its course ("" for courses)

    def get_queryset(self, request):
        return access.scope_to_teaching(super().get_queryset(request), request.user, via=self.course_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            kwargs["queryset"] = access.scope_to_teaching(Course.objects.all(), request.user)
        elif db_field.name == "module":
            kwargs["queryset"] = access.scope_to_teaching(
                Module.objects.select_related("course"), request.user, via="course"
            )
        elif db_field.name == "lesson":
            kwargs["queryset"] = access.scope_to_teaching(
                Lesson.objects.select_related("course"), request.user, via="course"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ModuleInline(lms_admin.TabularInline):
    model = Module
    ordering_field = "position"  # rows dragged into order (the numbers stay, for the keyboard)
    extra = 0
    fields = ["position", "title", "description", "edit_link"]
    readonly_fields = ["edit_link"]
    ordering = ["position", "id"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "description" and field is not None:
            field.widget.attrs["rows"] = 2  # a row per module, not a page
        return field

    @admin.display(description=_("Lessons"))
    def edit_link(self, obj):
        if not obj.pk:
            return "-"
        return format_html('<a href="../../../module/{}/change/">{}</a>', obj.pk, _("Edit lessons"))


@admin.register(Course)
class CourseAdmin(InstructorScopedAdmin):
    course_path = ""
    list_display = ["title", "status", "category", "level", "published_at", "enrollment_count", "preview_link"]
    list_filter = ["status", "category", "level", "language"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["prerequisites"]
    readonly_fields = ["status", "published_at", "enrollment_count", "created_at", "updated_at", "preview_link"]
    inlines = [ModuleInline]
    actions = ["publish", "unpublish", "archive", "duplicate"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "description", "category", "level", "language", "cover_image"]}),
        (_("Teaching"), {"fields": ["instructors", "prerequisites", "estimated_hours"]}),
        (_("Enrollment"), {"fields": ["capacity", "enrollment_opens_at", "enrollment_closes_at"]}),
        (_("Publication"), {"fields": ["status", "published_at", "is_featured", "preview_link", "enrollment_count"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")

    @admin.display(description=_("Preview"))
    def preview_link(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), _("View on site")
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "instructors":
            kwargs["queryset"] = User.objects.filter(role__in=[User.Role.INSTRUCTOR, User.Role.ADMIN], is_active=True)
        elif db_field.name == "prerequisites":
            kwargs["queryset"] = Course.objects.filter(access.visible_courses_q(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not access.is_full_access(request.user):
            fields.append("is_featured")  # the home page is the site's, not one instructor's
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The instructor who saves a course stays one of its instructors.
        if not access.is_full_access(request.user):
            form.instance.instructors.add(request.user)

    def _set_status(self, request, queryset, status):
        done = 0
        for course in queryset:
            try:
                services.course_set_status(course=course, status=status)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{course}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d course(s) updated.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected courses"))
    def publish(self, request, queryset):
        self._set_status(request, queryset, Course.Status.PUBLISHED)

    @admin.action(description=_("Unpublish (back to draft)"))
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Course.Status.DRAFT)

    @admin.action(description=_("Archive the selected courses"))
    def archive(self, request, queryset):
        self._set_status(request, queryset, Course.Status.ARCHIVED)

    @admin.action(description=_("Duplicate the selected courses (as drafts)"))
    def duplicate(self, request, queryset):
        for course in queryset:
            copy = services.course_duplicate(course=course, instructor=request.user)
            self.message_user(request, _("Created %(title)s.") % {"title": copy.title}, messages.SUCCESS)


class LessonInline(lms_admin.TabularInline):
    model = Lesson
    ordering_field = "position"  # rows dragged into order (the numbers stay, for the keyboard)
    extra = 0
    fields = ["position", "title", "kind", "is_preview", "is_required", "estimated_minutes", "edit_link"]
    readonly_fields = ["edit_link"]
    ordering = ["position", "id"]

    @admin.display(description=_("Content"))
    def edit_link(self, obj):
        if not obj.pk:
            return "-"
        return format_html('<a href="../../../lesson/{}/change/">{}</a>', obj.pk, _("Edit content"))


@admin.register(Module)
class ModuleAdmin(InstructorScopedAdmin):
    list_display = ["title", "course", "position", "lesson_count"]
    list_filter = ["course__status"]
    search_fields = ["title", "course__title"]
    list_select_related = ["course"]
    inlines = [LessonInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lesson_total=Count("lessons"))

    @admin.display(description=_("Lessons"), ordering="lesson_total")
    def lesson_count(self, obj):
        return obj.lesson_total


class AttachmentInline(lms_admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["title", "file", "original_name", "file_size"]
    readonly_fields = ["original_name", "file_size"]

    @admin.display(description=_("size"))
    def file_size(self, obj) -> str:
        return filesizeformat(obj.size) if obj.pk and obj.size is not None else "-"


@admin.register(Lesson)
class LessonAdmin(InstructorScopedAdmin):
    list_display = ["title", "module", "course", "kind", "position", "is_preview", "is_required"]
    list_filter = ["kind", "is_preview", "is_required", "course__status"]
    search_fields = ["title", "course__title", "module__title"]
    list_select_related = ["module", "course"]
    inlines = [AttachmentInline]
    fields = [
        "module",
        "title",
        "kind",
        "position",
        "body",
        "video_url",
        "video_file",
        "is_preview",
        "is_required",
        "estimated_minutes",
    ]


@admin.register(Category)
class CategoryAdmin(lms_admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
