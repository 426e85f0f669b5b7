"""The gradebook in the admin: a grid of a course's learners by its grade items (sticky
headers, search, a page of 50 learners at a time), each cell settable by hand with a
reason (grades.services), and the course's manual items and rules."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from assignments.admin import InstructorWorkspace
from courses import access
from courses.models import Course
from grades import selectors, services
from grades.models import Category, Gradebook, ItemSetting, ManualItem
from lms import admin as lms_admin
from lms.exceptions import ApplicationError


class Workspace(InstructorWorkspace):
    """The instructor workspace's rules (assignments.admin.InstructorWorkspace), and the
    course picked among one's own."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            kwargs["queryset"] = access.scope_to_teaching(Course.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ManualItem)
class ManualItemAdmin(Workspace, lms_admin.HistoryAdmin):
    list_display = ["title", "course", "points"]
    list_select_related = ["course"]
    fields = ["course", "title", "points"]


class CategoryForm(lms_admin.ShownFieldsModelForm):
    def clean(self):
        data = super().clean()
        course = data.get("course") or getattr(self.instance, "course", None)
        if course is not None:
            others = (
                Category.objects.filter(course=course).exclude(pk=self.instance.pk).values_list("weight", flat=True)
            )
            problem = services.weights_problem([*others, data.get("weight")])
            if problem:
                self.add_error("weight", problem)
        return data


@admin.register(Category)
class CategoryAdmin(Workspace, lms_admin.HistoryAdmin):
    form = CategoryForm
    list_display = ["title", "course", "weight", "drop_lowest"]
    list_select_related = ["course"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter)]
    fields = ["course", "title", "weight", "drop_lowest"]


class ItemSettingForm(lms_admin.StyledForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    extra_credit = forms.BooleanField(
        label=_("Extra credit"), required=False, help_text=_("Points earned are added; none are possible.")
    )
    locked = forms.BooleanField(
        label=_("Locked"),
        required=False,
        help_text=_(
            "Its grades stay as they are now: a regrade, a new attempt or a grade set by hand changes nothing."
        ),
    )

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(course=course).order_by("id")


@admin.register(Gradebook)
class GradebookAdmin(Workspace, lms_admin.HistoryAdmin):
    """The list is the courses one teaches, each opening its grid; a gradebook's rules
    (quiz policy, letter scale) are edited on its change page."""

    list_display = ["course", "quiz_policy"]
    fields = ["course", "quiz_policy", "scale", "pass_percent", "show_on_certificate"]

    def get_readonly_fields(self, request, obj=None):
        return ["course"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # The rules go through grades.services (the completion rule is a course
        # requirement, checked for every learner when set).
        names = ("quiz_policy", "scale", "pass_percent", "show_on_certificate")
        data = {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}
        saved = services.gradebook_update(course=obj.course, data=data)
        obj.pk = saved.pk

    def get_urls(self):
        own = [
            path("course/<int:course_id>/", self.admin_site.admin_view(self.grid_view), name="grades_gradebook_grid"),
            path(
                "course/<int:course_id>/item/<str:item_key>/",
                self.admin_site.admin_view(self.item_view),
                name="grades_gradebook_item",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        courses = access.scope_to_teaching(Course.objects.all(), request.user).order_by("title")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Gradebooks"),
            "courses": courses,
        }
        return TemplateResponse(request, "admin/grades/courses.html", context)

    def grid_view(self, request, course_id: int):
        course = self._course(request, course_id)
        if request.method == "POST":
            self._override(request, course)
            return HttpResponseRedirect(request.get_full_path())
        search = request.GET.get("q", "")[:100].replace("\x00", "")
        page = request.GET.get("page", "1")
        grid = selectors.grid(course, search=search, page=page if page.isdigit() else 1)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Gradebook: %(title)s") % {"title": course.title},
            "course": course,
            "grid": grid,
            "search": search,
            "rows": [
                (
                    row,
                    [(item, row.cells[item.key]) for item in grid.items],
                    [row.categories.get(c.pk) for c in grid.categories],
                )
                for row in grid.rows
            ],
            "colspan": len(grid.items) + len(grid.categories) + 2,
            "picked_user": _int(request.GET.get("user")),
            "picked_item": request.GET.get("item", "")[:40],
            "settings_url": self._settings_url(course),
        }
        return TemplateResponse(request, "admin/grades/grid.html", context)

    def item_view(self, request, course_id: int, item_key: str):
        """How one item counts: its category, extra credit, its lock."""
        course = self._course(request, course_id)
        item = next((i for i in selectors.items_for(course) if i.key == item_key), None)
        if item is None:
            raise Http404("No such grade item.")
        setting = ItemSetting.objects.filter(course=course, item_key=item_key).first()
        initial = {
            "category": setting.category_id if setting else None,
            "extra_credit": bool(setting and setting.extra_credit),
            "locked": bool(setting and setting.locked_at),
        }
        form = ItemSettingForm(request.POST or None, initial=initial, course=course)
        if request.method == "POST" and form.is_valid():
            try:
                services.item_setting_set(
                    course=course, item_key=item_key, category=form.cleaned_data["category"],
                    extra_credit=form.cleaned_data["extra_credit"], locked=form.cleaned_data["locked"], by=request.user,
                )  # fmt: skip
            except ApplicationError as exc:
                for field, errors in (exc.extra.get("errors") or {"__all__": [exc.message]}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(reverse("admin:grades_gradebook_grid", args=[course.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": item.title,
            "course": course,
            "item": item,
            "form": form,
        }
        return TemplateResponse(request, "admin/grades/item.html", context)

    def _course(self, request, course_id: int) -> Course:
        course = access.scope_to_teaching(Course.objects.all(), request.user).filter(pk=course_id).first()
        if course is None or not access.can_edit_course(request.user, course):
            raise Http404("No such course.")
        return course

    def _settings_url(self, course) -> str:
        gradebook = Gradebook.objects.filter(course=course).first()
        if gradebook is None:
            return reverse("admin:grades_gradebook_add") + f"?course={course.pk}"
        return reverse("admin:grades_gradebook_change", args=[gradebook.pk])

    def _override(self, request, course) -> None:
        user = get_user_model().objects.filter(pk=_int(request.POST.get("user"))).first()
        raw = (request.POST.get("percent") or "").strip().replace(",", ".")
        try:
            percent = None if raw == "" else Decimal(raw)
        except InvalidOperation:
            messages.error(request, _("Give a percent from 0 to 100."))
            return
        if user is None or (percent is not None and not percent.is_finite()):
            messages.error(request, _("Give a percent from 0 to 100."))
            return
        try:
            services.override_set(
                course=course, user=user, item_key=request.POST.get("item", ""), percent=percent,
                reason=request.POST.get("reason", ""), by=request.user,
            )  # fmt: skip
        except ApplicationError as exc:
            errors = exc.extra.get("errors") or {}
            messages.error(request, " ".join(m for msgs in errors.values() for m in msgs) or exc.message)
            return
        messages.success(request, _("Grade set.") if percent is not None else _("Grade set by hand removed."))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
