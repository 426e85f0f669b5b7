"""Quiz authoring, attempts and corrections in the admin, scoped like the course admin:
instructors work on the quizzes of the courses they teach; staff on all."""

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from courses import access
from courses.admin import MarkdownPreviewMixin
from courses.models import Course, Lesson, Module
from lms import admin as lms_admin
from lms.csvutil import csv_safe
from quizzes import builder, selectors, services
from quizzes.models import Accommodation, Attempt, Choice, Question, Quiz, Regrade


class QuestionInline(lms_admin.TabularInline):
    model = Question
    ordering_field = "position"  # rows dragged into order (the numbers stay, for the keyboard)
    extra = 0
    fields = ["position", "kind", "prompt", "points", "edit_link"]
    readonly_fields = ["edit_link"]
    ordering = ["position", "id"]
    formfield_overrides = {}

    @admin.display(description=_("Choices and key"))
    def edit_link(self, obj):
        if not obj.pk:
            return "-"
        return format_html('<a href="../../../question/{}/change/">{}</a>', obj.pk, _("Edit"))


@admin.register(Quiz)
class QuizAdmin(MarkdownPreviewMixin, lms_admin.HistoryAdmin):
    markdown_fields = ("instructions",)
    list_display = ["title", "course", "pass_mark", "max_attempts", "time_limit_minutes", "is_required", "builder_link"]
    list_filter = ["is_required", "review_policy", ("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "course__title"]
    list_select_related = ["course"]
    inlines = [QuestionInline]
    readonly_fields = ["course", "item_analysis", "builder_link"]
    fieldsets = [
        (None, {"fields": ["title", "lesson", "module", "course", "builder_link", "instructions"]}),
        (
            _("Rules"),
            {"fields": ["pass_mark", "max_attempts", "time_limit_minutes", "questions_per_attempt", "is_required"]},
        ),
        (_("Paper"), {"fields": ["shuffle_questions", "shuffle_choices", "review_policy"]}),
        (_("Item analysis"), {"fields": ["item_analysis"]}),
    ]

    def get_queryset(self, request):
        return access.scope_to_teaching(super().get_queryset(request), request.user, via="course")

    def get_urls(self):
        own = [
            path("quick-add/", self.admin_site.admin_view(self.quick_add_view), name="quizzes_quiz_quick_add"),
            path(
                "<path:object_id>/builder/", self.admin_site.admin_view(self.builder_view), name="quizzes_quiz_builder"
            ),
        ]
        return own + super().get_urls()

    def quick_add_view(self, request):
        if request.method != "POST" or not self.has_add_permission(request):
            raise Http404("Add quizzes from a course's builder.")
        modules = access.scope_to_teaching(Module.objects.select_related("course"), request.user, via="course")
        return builder.quick_add_view(request, modules)

    def builder_view(self, request, object_id):
        quiz = self.get_object(request, object_id)  # scoped to the courses one teaches
        if quiz is None or not self.has_change_permission(request, quiz):
            raise Http404("No such quiz.")
        return builder.builder_view(request, quiz, context={**self.admin_site.each_context(request), "opts": self.opts})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lesson":
            kwargs["queryset"] = access.scope_to_teaching(
                Lesson.objects.select_related("course"), request.user, via="course"
            )
        elif db_field.name == "module":
            kwargs["queryset"] = access.scope_to_teaching(
                Module.objects.select_related("course"), request.user, via="course"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("Questions"))
    def builder_link(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:quizzes_quiz_builder", args=[obj.pk]), _("Add and order questions")
        )

    @admin.display(description=_("Per question"))
    def item_analysis(self, obj):
        if not obj.pk:
            return "-"
        rows = selectors.item_analysis(obj)
        if not rows:
            return _("No submitted attempts yet.")
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("Question"), _("Attempts"), _("Unanswered"), _("% correct"), _("Average points"), _("Discrimination"),
        )  # fmt: skip
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (str(r["question"])[:60], r["attempts"], r["unanswered"], r["percent_correct"] if r["percent_correct"] is not None else "-",
                 r["average_points"] if r["average_points"] is not None else "-",
                 r["discrimination"] if r["discrimination"] is not None else "-")
                for r in rows
            ),
        )  # fmt: skip
        return format_html('<table class="item-analysis">{}{}</table>', header, body)


class ChoiceFormSet(forms.models.BaseInlineFormSet):
    """The choices checked as a set, by the rule the API applies too
    (services.choices_check)."""

    def clean(self):
        super().clean()
        live = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        problem = services.choices_check(
            getattr(self.instance, "kind", None), [(d.get("text", ""), bool(d.get("is_correct"))) for d in live]
        )
        if problem:
            raise ValidationError(problem)


class ChoiceInline(lms_admin.TabularInline):
    model = Choice
    ordering_field = "position"  # rows dragged into order (the numbers stay, for the keyboard)
    formset = ChoiceFormSet
    extra = 2
    fields = ["position", "text", "is_correct"]


class QuestionAdminForm(lms_admin.ShownFieldsModelForm):
    accepted_answers = lms_admin.LinesField(
        label=_("Accepted answers (short text)"),
        required=False,
        help_text=_("One accepted answer per line. Compared without case or extra spaces."),
    )

    class Meta:
        model = Question
        fields = "__all__"


@admin.register(Question)
class QuestionAdmin(MarkdownPreviewMixin, lms_admin.HistoryAdmin):
    form = QuestionAdminForm
    markdown_fields = ("prompt", "explanation")
    # Each kind shows its own key (unfold's conditional fields); choices are the table below.
    conditional_fields = {
        "correct_bool": "kind == 'true_false'",
        "accepted_answers": "kind == 'short_text'",
        "numeric_value": "kind == 'numeric'",
        "numeric_tolerance": "kind == 'numeric'",
    }
    list_display = ["__str__", "quiz", "kind", "points", "position", "credit_all", "dropped"]
    list_filter = ["kind", "credit_all", "dropped"]
    search_fields = ["prompt", "quiz__title"]
    list_select_related = ["quiz"]
    inlines = [ChoiceInline]
    actions = ["regrade_attempts"]
    fields = [
        "quiz", "kind", "position", "prompt", "points", "explanation", "correct_bool", "accepted_answers",
        "numeric_value", "numeric_tolerance", "credit_all", "dropped",
    ]  # fmt: skip

    def get_queryset(self, request):
        return access.scope_to_teaching(super().get_queryset(request), request.user, via="quiz__course")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "quiz":
            kwargs["queryset"] = access.scope_to_teaching(
                Quiz.objects.select_related("course"), request.user, via="course"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=_("Regrade past attempts with the corrected question"))
    def regrade_attempts(self, request, queryset):
        questions = list(queryset.select_related("quiz"))
        if request.POST.get("confirm") == "yes":
            for question in questions:
                services.regrade_request(question=question, requested_by=request.user)
            self.message_user(
                request, _("Regrading queued for %(n)d question(s).") % {"n": len(questions)}, messages.SUCCESS
            )
            return None
        previews = [(q, services.regrade_preview(question=q)) for q in questions]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Regrade past attempts"),
            "previews": previews,
            "queryset": queryset,
            "action": "regrade_attempts",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/quizzes/regrade_confirm.html", context)


@admin.register(Attempt)
class AttemptAdmin(lms_admin.ModelAdmin):
    list_display = ["user", "quiz", "number", "status", "percent", "passed", "counts", "started_at", "submitted_at"]
    list_filter = ["status", "passed", "counts", ("quiz__course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "quiz__title"]
    list_select_related = ["user", "quiz"]
    readonly_fields = [f.name for f in Attempt._meta.fields if f.name != "id"]
    actions = ["export_csv"]

    def get_queryset(self, request):
        return access.scope_to_teaching(super().get_queryset(request), request.user, via="quiz__course")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return access.can_use_instructor_admin(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description=_("Export as CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="attempts.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["email", "quiz", "number", "status", "score", "max_score", "percent", "passed", "counts", "submitted_at"]
        )
        for a in queryset.select_related("user", "quiz"):
            writer.writerow(
                [csv_safe(a.user.email), csv_safe(a.quiz.title), a.number, a.status, a.score, a.max_score, a.percent,
                 a.passed, a.counts, a.submitted_at.isoformat() if a.submitted_at else ""]
            )  # fmt: skip
        return response


@admin.register(Regrade)
class RegradeAdmin(lms_admin.ModelAdmin):
    list_display = ["quiz", "question", "requested_by", "requested_at", "finished_at", "attempts_changed"]
    readonly_fields = ["quiz", "question", "requested_by", "requested_at", "finished_at", "attempts_changed", "summary"]

    def get_queryset(self, request):
        return access.scope_to_teaching(super().get_queryset(request), request.user, via="quiz__course")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Accommodation)
class AccommodationAdmin(lms_admin.HistoryAdmin):
    """Per-learner accommodations on a course's quizzes (extra time, extra attempts), for
    the course's instructors and staff; who granted each and when is kept."""

    list_display = ["user", "course", "time_multiplier", "extra_attempts", "reason", "granted_by", "updated_at"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__first_name", "user__last_name", "course__title"]
    list_select_related = ["user", "course", "granted_by"]
    raw_id_fields = ["user"]
    fields = ["user", "course", "time_multiplier", "extra_attempts", "reason", "granted_by", "created_at", "updated_at"]
    readonly_fields = ["granted_by", "created_at", "updated_at"]

    def get_queryset(self, request):
        return access.scope_to_teaching(super().get_queryset(request), request.user, via="course")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            kwargs["queryset"] = access.scope_to_teaching(Course.objects.all(), request.user)
        elif db_field.name == "user" and not access.is_full_access(request.user):
            # An instructor picks among the learners of their courses (staff, who may have
            # every account to choose from, type an id or look it up).
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(enrollments__course__in=access.scope_to_teaching(Course.objects.all(), request.user))
                .distinct()
                .order_by("email")
            )
            kwargs["widget"] = forms.Select
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return access.can_use_instructor_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return access.can_use_instructor_admin(request.user) and (
            obj is None or access.can_edit_course(request.user, obj.course)
        )

    has_add_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.granted_by = request.user
        super().save_model(request, obj, form, change)
