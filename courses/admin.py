"""The instructors' home: course authoring in the Django admin.

Admins (full access) see everything. An instructor sees and edits only the courses they
teach, and the modules, lessons and attachments in them; they never see another
instructor's drafts. Status changes go through courses.services (publish needs a lesson).
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from courses import access, builder, services
from courses.models import Attachment, Category, Course, Lesson, Module
from lms import admin as lms_admin
from lms.exceptions import ApplicationError


class MarkdownPreviewMixin:
    """A live preview under the admin's Markdown fields (`markdown_fields`), rendered by
    the learner pages' renderer and sanitiser (static/js/markdown-preview.js)."""

    markdown_fields: tuple[str, ...] = ()

    @property
    def media(self):
        return super().media + forms.Media(js=["js/markdown-preview.js"])

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in self.markdown_fields:
            field.widget.attrs["data-markdown-preview"] = reverse("admin:courses_markdown_preview")
            field.widget.attrs["data-preview-label"] = str(_("Preview, as learners will see it"))
        return field


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
class CourseAdmin(MarkdownPreviewMixin, InstructorScopedAdmin):
    course_path = ""
    markdown_fields = ("description",)
    list_display = [
        "title", "status", "category", "level", "published_at", "enrollment_count", "builder_link", "preview_link",
    ]  # fmt: skip
    list_filter = ["status", "category", "level", "language"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["prerequisites"]
    readonly_fields = [
        "status", "published_at", "enrollment_count", "created_at", "updated_at", "preview_link", "builder_link",
    ]  # fmt: skip
    inlines = [ModuleInline]
    actions = ["publish", "unpublish", "archive", "duplicate"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "description", "category", "level", "language", "cover_image"]}),
        (_("Teaching"), {"fields": ["instructors", "prerequisites", "estimated_hours"]}),
        (_("Enrollment"), {"fields": ["capacity", "enrollment_opens_at", "enrollment_closes_at"]}),
        (
            _("Publication"),
            {"fields": ["status", "published_at", "is_featured", "builder_link", "preview_link", "enrollment_count"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/builder/",
                self.admin_site.admin_view(self.builder_view),
                name="courses_course_builder",
            ),
            path(
                "markdown-preview/",
                self.admin_site.admin_view(builder.markdown_preview_view),
                name="courses_markdown_preview",
            ),
        ]
        return own + super().get_urls()

    def builder_view(self, request, object_id):
        course = self.get_object(request, object_id)  # scoped: another instructor's course does not exist here
        if course is None or not self.has_change_permission(request, course):
            raise Http404("No such course.")
        return builder.builder_view(
            request, course, context={**self.admin_site.each_context(request), "opts": self.opts}
        )

    def response_add(self, request, obj, post_url_continue=None):
        """A new course opens in the builder, where its modules and lessons are added."""
        if "_addanother" in request.POST or "_continue" in request.POST or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request, _("Course “%(title)s” created: add its modules and lessons.") % {"title": obj}, messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:courses_course_builder", args=[obj.pk]))

    @admin.display(description=_("Content"))
    def builder_link(self, obj):
        if not obj.pk:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("admin:courses_course_builder", args=[obj.pk]), _("Build"))

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
    fields = ["title", "file", "original_name", "file_size", "is_inline"]
    readonly_fields = ["original_name", "file_size", "is_inline"]

    @admin.display(description=_("size"))
    def file_size(self, obj) -> str:
        return filesizeformat(obj.size) if obj.pk and obj.size is not None else "-"


@admin.register(Lesson)
class LessonAdmin(MarkdownPreviewMixin, InstructorScopedAdmin):
    markdown_fields = ("body",)
    # Each kind shows what it needs: a video its link or upload (unfold's conditional
    # fields); a file lesson its attachments below; every kind its text.
    conditional_fields = {"video_url": "kind == 'video'", "video_file": "kind == 'video'"}
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

    def get_urls(self):
        own = [
            path("<path:object_id>/images/", self.admin_site.admin_view(self.image_view), name="courses_lesson_image")
        ]
        return own + super().get_urls()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "body" in form.base_fields:
            attrs = form.base_fields["body"].widget.attrs
            attrs["data-image-upload"] = reverse("admin:courses_lesson_image", args=[obj.pk])
            attrs["data-uploading"] = str(_("Uploading the image…"))
            form.base_fields["body"].help_text = _("Markdown. Paste or drop a PNG or JPEG image here to place it.")
        return form

    def image_view(self, request, object_id):
        """POST an image (pasted or dropped into the text): kept with the lesson, answered
        with the Markdown that shows it."""
        lesson = self.get_object(request, object_id)
        if lesson is None or not self.has_change_permission(request, lesson):
            raise Http404("No such lesson.")
        if request.method != "POST" or "image" not in request.FILES:
            return JsonResponse({"detail": str(_("Send an image."))}, status=400)
        try:
            _attachment, markdown = services.lesson_image_add(lesson=lesson, image=request.FILES["image"])
        except ApplicationError as exc:
            errors = [m for msgs in (exc.extra.get("errors") or {}).values() for m in msgs]
            return JsonResponse({"detail": " ".join(errors) or exc.message}, status=400)
        return JsonResponse({"markdown": markdown}, status=201)


@admin.register(Category)
class CategoryAdmin(lms_admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
