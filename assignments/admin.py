"""Assignments in the admin, scoped like the course admin: instructors set, extend and
grade the assignments of the courses they teach; staff all. Grading has its own page (the
grader): the work on one side, score and feedback on the other, the next ungraded piece
one key away; every change goes through assignments.services."""

import json
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assignments import selectors, services
from assignments.forms import MultipleFileField
from assignments.models import Assignment, Extension, Submission
from courses import access
from courses.admin import MarkdownPreviewMixin
from courses.models import Course, Module
from lms import admin as lms_admin
from lms.exceptions import ApplicationError, ConflictError


class InstructorWorkspace:
    """The admin's instructor workspace rules: instructors and staff, each record of a
    course they teach."""

    course_path = "course"

    def get_queryset(self, request):
        return access.scope_to_teaching(super().get_queryset(request), request.user, via=self.course_path)

    def has_module_permission(self, request):
        return access.can_use_instructor_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return access.can_use_instructor_admin(request.user)

    def has_add_permission(self, request):
        return access.can_use_instructor_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return access.can_use_instructor_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.can_use_instructor_admin(request.user)


class RubricField(forms.CharField):
    """A rubric typed one criterion a line, its levels after a colon, each "label = points",
    separated by |: "Clarity: Unclear = 0 | Clear = 3 | Excellent = 5"."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                f"{c['title']}: " + " | ".join(f"{lv['label']} = {lv['points']}" for lv in c["levels"]) for c in value
            )
        return value

    def to_python(self, value) -> list:
        if isinstance(value, list):
            return value
        rubric = []
        for n, line in enumerate((super().to_python(value) or "").splitlines(), start=1):
            if not line.strip():
                continue
            title, colon, rest = line.partition(":")
            levels = []
            for part in rest.split("|") if colon else []:
                label, equals, points = part.rpartition("=")
                try:
                    number = Decimal(points.strip())
                except ArithmeticError:
                    number = None
                if not equals or not label.strip() or number is None or not number.is_finite():
                    raise forms.ValidationError(
                        _("Line %(n)s: write “Criterion: level = points | level = points”.") % {"n": n}
                    )
                levels.append({"label": label.strip()[:120], "points": str(number)})
            if not colon or len(levels) < 2:
                raise forms.ValidationError(
                    _("Line %(n)s: write “Criterion: level = points | level = points”.") % {"n": n}
                )
            rubric.append({"title": title.strip()[:200], "levels": levels})
        return rubric


class AssignmentForm(lms_admin.ShownFieldsModelForm):
    """The model's rules run with the form (ModelForm); the service's own are asked here
    too, so a refusal is shown on its field and nothing typed is lost."""

    rubric = RubricField(
        label=_("Rubric (optional)"),
        required=False,
        help_text=_(
            "One criterion a line: “Clarity: Unclear = 0 | Clear = 3 | Excellent = 5”. The best levels add up"
            " to the points; the grader picks a level of each and the score is their sum."
        ),
    )

    def clean(self):
        data = super().clean()
        for field, problems in services.assignment_module_problems(self.instance, data.get("module")).items():
            for problem in problems:
                self.add_error(field, problem)
        return data


class ExtensionForm(lms_admin.ShownFieldsModelForm):
    def clean(self):
        data = super().clean()
        assignment = data.get("assignment") or getattr(self.instance, "assignment", None)
        user = data.get("user") or getattr(self.instance, "user", None)
        if assignment is not None and user is not None:
            problems = services.extension_problems(assignment=assignment, user=user, due_at=data.get("due_at"))
            for field, messages_ in problems.items():
                for problem in messages_:
                    self.add_error(field if field in self.fields else None, problem)
        return data


@admin.register(Assignment)
class AssignmentAdmin(InstructorWorkspace, MarkdownPreviewMixin, lms_admin.HistoryAdmin):
    form = AssignmentForm
    markdown_fields = ("instructions",)
    list_display = ["title", "course", "due_at", "points", "is_required", "waiting"]
    list_filter = ["is_required", ("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "course__title"]
    list_select_related = ["course"]
    readonly_fields = ["course", "waiting"]
    actions = ["release_grades"]
    conditional_fields = {
        "max_files": "accept_files",
        "max_file_mb": "accept_files",
        "late_penalty_percent": "late_policy == 'penalty'",
        "late_penalty_cap_percent": "late_policy == 'penalty'",
    }
    fieldsets = [
        (None, {"fields": ["title", "module", "course", "instructions", "points", "waiting"]}),
        (_("What learners hand in"), {"fields": ["accept_text", "accept_files", "max_files", "max_file_mb", "max_submissions"]}),
        (_("Dates"), {"fields": ["opens_at", "due_at", "cutoff_at", "late_policy", "late_penalty_percent", "late_penalty_cap_percent"]}),
        (_("Grades"), {"fields": ["is_required", "pass_percent", "release_policy", "rubric", "anonymous_grading"]}),
    ]  # fmt: skip

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "module":
            kwargs["queryset"] = access.scope_to_teaching(
                Module.objects.select_related("course"), request.user, via="course"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        # The "waiting" column: one count per row in the list's own query, not a query each.
        waiting = Count("submissions", filter=Q(submissions__status=Submission.Status.SUBMITTED))
        return super().get_queryset(request).annotate(waiting_count=waiting)

    @admin.display(description=_("Waiting for a grade"), ordering="waiting_count")
    def waiting(self, obj):
        if not obj.pk:
            return "-"
        count = getattr(obj, "waiting_count", None)
        if count is None:
            count = obj.submissions.filter(status=Submission.Status.SUBMITTED).count()
        url = (
            reverse("admin:assignments_submission_changelist")
            + f"?assignment__id__exact={obj.pk}&status__exact=submitted"
        )
        return format_html('<a href="{}">{}</a>', url, count)

    def save_model(self, request, obj, form, change):
        # AssignmentForm asked the services' rules first; a refusal left (a change made
        # meanwhile) is shown by lms.admin.ModelAdmin.
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in services.ASSIGNMENT_FIELDS}
        if change:
            services.assignment_update(assignment=obj, data=data)
        else:
            form.instance = services.assignment_create(data=form.cleaned_data)
            obj.pk = form.instance.pk

    @admin.action(description=_("Show learners the grades held so far"))
    def release_grades(self, request, queryset):
        count = sum(services.grades_release(assignment=a) for a in queryset.select_related("course"))
        self.message_user(request, _("%(n)d grade(s) released.") % {"n": count}, messages.SUCCESS)


@admin.register(Extension)
class ExtensionAdmin(InstructorWorkspace, lms_admin.HistoryAdmin):
    form = ExtensionForm
    course_path = "assignment__course"
    list_display = ["user", "assignment", "due_at", "reason", "granted_by"]
    list_select_related = ["user", "assignment", "granted_by"]
    search_fields = ["user__email", "assignment__title"]
    fields = ["assignment", "user", "due_at", "reason", "granted_by"]

    def get_readonly_fields(self, request, obj=None):
        # An extension is one learner's, for one assignment: changing either would leave
        # the old one in place; a new one is added instead.
        return ["assignment", "user", "granted_by"] if obj is not None else ["granted_by"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignment":
            kwargs["queryset"] = access.scope_to_teaching(
                Assignment.objects.select_related("course"), request.user, via="course"
            )
        elif db_field.name == "user":
            courses = access.scope_to_teaching(Course.objects.all(), request.user)
            kwargs["queryset"] = (
                get_user_model().objects.filter(enrollments__course__in=courses).distinct().order_by("email")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        form.instance = services.extension_grant(
            assignment=data.get("assignment") or obj.assignment, user=data.get("user") or obj.user,
            due_at=data["due_at"], by=request.user, reason=data.get("reason", ""),
        )  # fmt: skip
        obj.pk = form.instance.pk


class GradeForm(lms_admin.StyledForm):
    score = forms.DecimalField(label=_("Score"), max_digits=6, decimal_places=2, min_value=0)
    feedback = forms.CharField(label=_("Feedback (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    feedback_files = MultipleFileField(
        label=_("Files returned with the feedback"), required=False,
        help_text=_("A marked-up copy, a model answer: the learner sees them with the grade."),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, points: Decimal, rubric: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].max_value = points
        self.fields["score"].validators.append(MaxValueValidator(points))
        self.fields["score"].help_text = _("Out of %(points)s; the late penalty is applied for you.") % {
            "points": points
        }
        self.fields["score"].widget.attrs.update({"autofocus": True, "max": str(points), "step": "0.01"})
        self.fields["feedback"].widget.attrs["data-markdown-preview"] = reverse("admin:courses_markdown_preview")
        self.rubric_names = []
        for i, criterion in enumerate(rubric or []):
            name = f"rubric_{i}"
            self.fields[name] = forms.TypedChoiceField(
                label=criterion["title"],
                coerce=int,
                widget=forms.RadioSelect(attrs={"data-rubric": "1"}),
                choices=[
                    (
                        j,
                        _("%(label)s (%(points)s pts)")
                        % {"label": lv["label"], "points": format(Decimal(lv["points"]).normalize(), "f")},
                    )
                    for j, lv in enumerate(criterion["levels"])
                ],
            )
            self.rubric_names.append(name)
        if rubric:  # the levels make the score: it is shown, not typed
            self.fields["score"].required = False
            self.fields["score"].disabled = True
            self.fields["score"].help_text = _(
                "The levels picked add up to the score, out of %(points)s; the late penalty is applied for you."
            ) % {"points": points}
            self.fields["score"].widget.attrs.pop("autofocus", None)
            self.fields["score"].widget.attrs["data-rubric-total"] = json.dumps(
                [[str(lv["points"]) for lv in c["levels"]] for c in rubric]
            )
            self.order_fields([*self.rubric_names, "score", "feedback", "feedback_files", "version"])

    def rubric_fields(self) -> list:
        return [self[name] for name in self.rubric_names]

    def other_fields(self) -> list:
        return [self[name] for name in self.fields if name not in self.rubric_names]

    def rubric_choices(self) -> dict[str, int]:
        return {name.removeprefix("rubric_"): self.cleaned_data[name] for name in self.rubric_names}


@admin.register(Submission)
class SubmissionAdmin(InstructorWorkspace, lms_admin.ModelAdmin):
    course_path = "assignment__course"
    list_display = ["learner", "assignment", "number", "status", "submitted_at", "late", "final_score", "grade_link"]
    list_filter = [
        "status",
        ("assignment__course", admin.RelatedOnlyFieldListFilter),
        ("assignment", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["user__email", "user__first_name", "user__last_name", "assignment__title"]
    list_select_related = ["user", "assignment"]
    list_display_links = None

    def get_search_fields(self, request):
        # Searching by name would undo anonymous grading: only titles then.
        if Assignment.objects.filter(access.teaches_q(request.user, via="course"), anonymous_grading=True).exists():
            return ["assignment__title"]
        return super().get_search_fields(request)

    readonly_fields = [f.name for f in Submission._meta.fields if f.name not in ("id",)]

    def get_queryset(self, request):
        # A draft is the learner's until they hand it in.
        return super().get_queryset(request).exclude(status=Submission.Status.DRAFT)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("learner"), ordering="user__email")
    def learner(self, obj):
        return selectors.learner_label(obj)

    @admin.display(description=_("late"), boolean=True)
    def late(self, obj):
        return obj.is_late

    @admin.display(description=_("Grade"))
    def grade_link(self, obj):
        label = _("Grade") if obj.status == Submission.Status.SUBMITTED else _("Open")
        if obj.status == Submission.Status.DRAFT:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("admin:assignments_submission_grade", args=[obj.pk]), label)

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/grade/",
                self.admin_site.admin_view(self.grade_view),
                name="assignments_submission_grade",
            )
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:assignments_submission_grade", args=[object_id]))

    def grade_view(self, request, object_id):
        submission = self.get_queryset(request).filter(pk=_int(object_id)).first()
        if submission is None or not access.can_edit_course(request.user, submission.assignment.course):
            raise Http404("No such submission.")
        submission = selectors.submission_get_for(request.user, submission.pk)
        assignment = submission.assignment
        initial = {"score": submission.score, "feedback": submission.feedback, "version": submission.version}
        initial.update({f"rubric_{i}": level for i, level in (submission.rubric_choices or {}).items()})
        form = GradeForm(initial=initial, points=assignment.points, rubric=assignment.rubric)
        conflict = None
        if request.method == "POST":
            form = GradeForm(
                request.POST, request.FILES, initial=initial, points=assignment.points, rubric=assignment.rubric
            )
            if form.is_valid():
                try:
                    services.submission_grade(
                        submission=submission, score=form.cleaned_data["score"], feedback=form.cleaned_data["feedback"],
                        by=request.user, version=form.cleaned_data["version"], rubric=form.rubric_choices(),
                        feedback_files=form.cleaned_data["feedback_files"],
                        remove_feedback_files=request.POST.getlist("remove_feedback_files")[:20],
                    )  # fmt: skip
                except ConflictError as exc:
                    conflict = exc.extra.get("current")
                    form.add_error(None, exc.message)
                except ApplicationError as exc:
                    for field, errors in (exc.extra.get("errors") or {"__all__": [exc.message]}).items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, error)
                else:
                    messages.success(request, _("Graded."))
                    following = (
                        selectors.submissions_to_grade(request.user, assignment).exclude(pk=submission.pk).first()
                    )
                    if following is not None and "_next" in request.POST:
                        return HttpResponseRedirect(reverse("admin:assignments_submission_grade", args=[following.pk]))
                    return HttpResponseRedirect(reverse("admin:assignments_submission_grade", args=[submission.pk]))
        queue = list(selectors.submissions_to_grade(request.user, assignment).values_list("pk", flat=True))
        # Previous and next in the queue of ungraded work (oldest first); from graded work,
        # the queue's first.
        if submission.pk in queue:
            i = queue.index(submission.pk)
            previous_pk, next_pk = (queue[i - 1] if i else None), (queue[i + 1] if i + 1 < len(queue) else None)
        else:
            previous_pk, next_pk = None, (queue[0] if queue else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Grade: %(title)s") % {"title": assignment.title},
            "submission": submission,
            "learner_name": selectors.learner_label(submission),
            "feedback_files": [
                (f, reverse("assignments:feedback_file", kwargs={"submission_id": submission.pk, "file_id": f.pk}))
                for f in submission.feedback_files.all()
            ],
            "assignment": assignment,
            "form": form,
            "conflict": conflict,
            "penalty": services.late_penalty(assignment, submission.late_seconds),
            "queue_size": len(queue),
            "previous_url": reverse("admin:assignments_submission_grade", args=[previous_pk]) if previous_pk else "",
            "next_url": reverse("admin:assignments_submission_grade", args=[next_pk]) if next_pk else "",
            "files": [
                {
                    "file": f,
                    "url": reverse("assignments:file", kwargs={"submission_id": submission.pk, "file_id": f.pk}),
                    "image": f.file.name.rsplit(".", 1)[-1].lower() in ("png", "jpg", "jpeg"),
                    "pdf": f.file.name.rsplit(".", 1)[-1].lower() == "pdf",
                }
                for f in submission.files.all()
            ],
        }
        return TemplateResponse(request, "admin/assignments/grade.html", context)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
