"""The course builder: one admin page per course with its modules, lessons and the other
items of its outline (quizzes) as a tree, where instructors add, duplicate, delete and
reorder in place. Every change goes through courses.services (reordering through the
authoring API, from static/js/builder.js); other apps' items join through the outline and
their own template tags (templates/admin/courses/builder.html)."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from courses import selectors, services
from courses.markdown import render_markdown
from courses.models import Course, Lesson, Module
from courses.validators import validate_attachment
from lms.admin import StyledForm
from lms.exceptions import ApplicationError

PREVIEW_LIMIT = 200_000  # characters: a lesson body is far shorter
# The rows' buttons post one shared form (templates/admin/courses/builder.html): the
# button's name is the action, its value the row's id.
ROW_ACTIONS = {"duplicate_lesson": "lesson", "delete_lesson": "lesson", "delete_module": "module"}


class ModuleQuickForm(StyledForm):
    title = forms.CharField(label=_("New module"), max_length=200)


class LessonQuickForm(StyledForm):
    """A lesson in one step: its title, its kind, and the file it needs (a file lesson's
    attachment, a video lesson's upload) or a video link. Text is written afterwards on
    the lesson's page, with a live preview."""

    title = forms.CharField(label=_("New lesson"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Lesson.Kind.choices, initial=Lesson.Kind.TEXT)
    file = forms.FileField(label=_("File or video"), required=False)
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    def clean(self):
        data = super().clean()
        kind, upload = data.get("kind"), data.get("file")
        if kind == Lesson.Kind.FILE and not upload:
            self.add_error("file", _("A file lesson needs its file."))
        if kind == Lesson.Kind.VIDEO and not (upload or data.get("video_url")):
            self.add_error("video_url", _("A video lesson needs a video link or an uploaded video."))
        if upload and kind != Lesson.Kind.VIDEO:
            try:
                validate_attachment(upload)
            except forms.ValidationError as exc:
                self.add_error("file", exc)
        return data


def _item_admin_url(item) -> str:
    """The admin page of an outline item another app owns (a quiz), found by its type:
    the model of that name, wherever it lives."""
    for model in apps.get_models():
        if model._meta.model_name == item.item_type:
            # Its own builder when it has one (a quiz's questions), else its change page.
            for page in ("builder", "change"):
                try:
                    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=[item.pk])
                except NoReverseMatch:
                    continue
            return ""
    return ""


def _tree(course: Course) -> list[dict]:
    """The course's modules in order, each with its lessons (each followed by the items
    placed after it) and the items at the module's end: the outline every learner page
    reads, plus the admin links."""
    outline = selectors.outline_for(course.pk)
    # Each row's links from one reversed address (a 500-lesson course: 1,000 reverse()s).
    admin_url = reverse("admin:courses_lesson_change", args=[0]).replace("/0/", "/{}/")
    learner_url = reverse("enrollments:lesson", kwargs={"slug": course.slug, "lesson_id": 0}).replace("/0/", "/{}/")
    tree = []
    for module in outline.modules:
        lessons, after = [], {}
        tail = []
        for entry in module.items:
            if entry.item_type == "lesson":
                continue
            target = getattr(entry, "after_lesson_id", None)
            item = {"entry": entry, "admin_url": _item_admin_url(entry)}
            (after.setdefault(target, []) if target else tail).append(item)
        for lesson in module.lessons:
            lessons.append({
                "lesson": lesson,
                "admin_url": admin_url.format(lesson.pk),
                "learner_url": learner_url.format(lesson.pk),
                "items": after.get(lesson.pk, []),
            })  # fmt: skip
        tree.append({
            "module": module,
            "admin_url": reverse("admin:courses_module_change", args=[module.pk]),
            "lessons": lessons,
            "items": tail,
            "lesson_form": LessonQuickForm(auto_id=f"id_m{module.pk}_%s"),
        })  # fmt: skip
    return tree


def _lesson_create(module: Module, data: dict) -> Lesson:
    upload, kind = data.get("file"), data["kind"]
    fields = {"title": data["title"], "kind": kind}
    if kind == Lesson.Kind.VIDEO:
        fields["video_url"] = data.get("video_url") or ""
        if upload:
            fields["video_file"] = upload
    with transaction.atomic():
        lesson = services.lesson_create(module=module, data=fields)
        if upload and kind != Lesson.Kind.VIDEO:
            services.attachment_add(lesson=lesson, file=upload)
    return lesson


def _form_errors(form: forms.Form, exc: ApplicationError, *, rename: dict | None = None) -> None:
    """A service's refusal on the form's fields (or at its top), where the person reads it."""
    errors = exc.extra.get("errors") or {"__all__": [exc.message]}
    for name, messages_ in errors.items():
        name = (rename or {}).get(name, name)
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


def _errors_of(exc: ApplicationError) -> str:
    errors = exc.extra.get("errors") or {}
    return " ".join([exc.message if not errors else "", *(f"{m}" for msgs in errors.values() for m in msgs)]).strip()


def builder_view(request, course: Course, *, context: dict):
    """GET: the tree. POST: one change (`do`), then back to the tree at the changed place;
    a refused change shows the page again with what was typed and why."""
    here = reverse("admin:courses_course_builder", args=[course.pk])
    module_form, failed = ModuleQuickForm(auto_id="id_new_module_%s"), None
    if request.method == "POST":
        do = request.POST.get("do", "")
        for action, field in ROW_ACTIONS.items():  # a row's button: its action's name, the row's id
            if not do and action in request.POST:
                do, request.POST = action, request.POST.copy()
                request.POST[field] = request.POST[action]
        anchor, failed = "", None
        try:
            if do == "add_module":
                module_form = ModuleQuickForm(request.POST, auto_id="id_new_module_%s")
                if module_form.is_valid():
                    try:
                        module = services.module_create(course=course, data=module_form.cleaned_data)
                    except ApplicationError as exc:
                        _form_errors(module_form, exc)
                    else:
                        messages.success(request, _("Module “%(title)s” added.") % {"title": module.title})
                        return HttpResponseRedirect(f"{here}#module-{module.pk}")
            elif do == "add_lesson":
                module = course.modules.filter(pk=_int(request.POST.get("module"))).first()
                form = LessonQuickForm(request.POST, request.FILES, auto_id=f"id_m{getattr(module, 'pk', 0)}_%s")
                if module is not None and form.is_valid():
                    try:
                        lesson = _lesson_create(module, form.cleaned_data)
                    except ApplicationError as exc:
                        _form_errors(form, exc, rename={"video_file": "file"})
                    else:
                        messages.success(request, _("Lesson “%(title)s” added.") % {"title": lesson.title})
                        return HttpResponseRedirect(f"{here}#lesson-{lesson.pk}")
                failed = (getattr(module, "pk", None), form)
            elif do in ("duplicate_lesson", "delete_lesson"):
                lesson = Lesson.objects.filter(course=course, pk=_int(request.POST.get("lesson"))).first()
                if lesson is None:
                    messages.error(request, _("That lesson is no longer in this course."))
                elif do == "duplicate_lesson":
                    copy = services.lesson_duplicate(lesson=lesson)
                    messages.success(request, _("Lesson duplicated as “%(title)s”.") % {"title": copy.title})
                    anchor = f"#lesson-{copy.pk}"
                else:
                    services.lesson_delete(lesson=lesson)
                    messages.success(request, _("Lesson “%(title)s” deleted.") % {"title": lesson.title})
                    anchor = f"#module-{lesson.module_id}"
                return HttpResponseRedirect(here + anchor)
            elif do == "delete_module":
                module = course.modules.filter(pk=_int(request.POST.get("module"))).first()
                if module is not None:
                    services.module_delete(module=module)
                    messages.success(request, _("Module “%(title)s” deleted.") % {"title": module.title})
                return HttpResponseRedirect(here)
            else:
                messages.error(request, _("Unknown change."))
                return HttpResponseRedirect(here)
        except ApplicationError as exc:
            messages.error(request, _errors_of(exc))
            if do.startswith("delete") or do.startswith("duplicate"):
                return HttpResponseRedirect(here)
    tree = _tree(course)
    if failed and failed[0] is not None:
        for node in tree:
            if node["module"].pk == failed[0]:
                node["lesson_form"] = failed[1]
    context = {
        **context,
        "title": _("Build “%(title)s”") % {"title": course.title},
        "course": course,
        "tree": tree,
        "module_form": module_form,
        "order_url": reverse("course-module-order", kwargs={"slug": course.slug}),
        "preview_url": reverse("courses:detail", kwargs={"slug": course.slug}),
        "change_url": reverse("admin:courses_course_change", args=[course.pk]),
        "kinds": Lesson.Kind,
    }
    # A refused form is shown again with its errors, as the admin's own forms are (200).
    return TemplateResponse(request, "admin/courses/builder.html", context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
def markdown_preview_view(request):
    """Markdown as the learner page will show it: the same renderer and sanitiser, nothing
    saved. For the admin's editors (the caller wraps it in admin_view)."""
    text = request.POST.get("text", "")
    if len(text) > PREVIEW_LIMIT:
        return JsonResponse({"detail": "Too long to preview."}, status=400)
    response = JsonResponse({"html": render_markdown(text.replace("\x00", ""))})
    response["Cache-Control"] = "private, no-store"
    return response
