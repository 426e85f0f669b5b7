"""The admin's base classes: every ModelAdmin and inline of the project derives from these.

A model's `clean()` may name a field that a form does not show (a lesson inline has no
video link; a question inline has no true/false key). Django then raises
"'LessonForm' has no field named 'video_url'" and the page ends in a 500, losing what was
typed. The forms here put such an error where the person can read it: on the field when
the form shows it, otherwise at the top of the form (or of the inline's row), with the
field's name in front.

The admin's look is django-unfold's (README, "Dependencies"): these classes derive from its
ModelAdmin and inlines, so every form gets its widgets; `StyledForm` gives the same widgets
to the admin's own forms (bulk enrolment, revoke, issue), which are plain Django forms.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from unfold import admin as unfold_admin
from unfold import widgets as unfold_widgets

from lms.exceptions import ApplicationError


class ShownFieldsModelForm(forms.ModelForm):
    """A ModelForm whose model validation errors always land on something it shows."""

    def _update_errors(self, errors: ValidationError) -> None:
        if hasattr(errors, "error_dict"):
            moved: list[ValidationError] = []
            for name in [n for n in errors.error_dict if n != NON_FIELD_ERRORS and n not in self.fields]:
                label = self._label(name)
                for error in errors.error_dict.pop(name):
                    for message in error.messages if hasattr(error, "messages") else [str(error)]:
                        moved.append(ValidationError(f"{label}: {message}", code=getattr(error, "code", None)))
            if moved:
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(moved)
        super()._update_errors(errors)

    def _label(self, name: str) -> str:
        try:
            return str(capfirst(self._meta.model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            return name


class LinesField(forms.CharField):
    """A list of short texts (a JSON list in the model) typed one per line, rather than as
    JSON. Blank lines and surrounding spaces are dropped."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class StyledForm(forms.Form):
    """A plain form whose widgets look like the rest of the admin's (unfold's classes)."""

    _CLASSES = {
        forms.CheckboxInput: unfold_widgets.CHECKBOX_CLASSES,
        forms.ClearableFileInput: unfold_widgets.FILE_CLASSES,
        forms.FileInput: unfold_widgets.FILE_CLASSES,
        forms.Textarea: unfold_widgets.TEXTAREA_CLASSES,
        forms.Select: unfold_widgets.SELECT_CLASSES,
        forms.SelectMultiple: unfold_widgets.SELECT_CLASSES,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            classes = next(
                (c for kind, c in self._CLASSES.items() if type(widget) is kind), unfold_widgets.INPUT_CLASSES
            )
            widget.attrs["class"] = " ".join([widget.attrs.get("class", ""), *classes]).strip()


class ModelAdmin(unfold_admin.ModelAdmin):
    """The project's ModelAdmin. A service refusing a save its form could not foresee (a
    change made meanwhile by someone else) rolls the save back and shows the reason on the
    same page: never a 500, never a "saved" message for nothing saved."""

    form = ShownFieldsModelForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class LabelledRowForm(ShownFieldsModelForm):
    """A row of a tabular inline: its column headers are not labels, so each input is named
    for assistive technology by its row's kind and its field's label ("Module: Title";
    axe: "form elements must have labels")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = capfirst(self._meta.model._meta.verbose_name)
        for field in self.fields.values():
            if field.label:
                field.widget.attrs.setdefault("aria-label", f"{kind}: {field.label}")


class HistoryAdmin(SimpleHistoryAdmin, ModelAdmin):
    """A ModelAdmin whose "History" shows every version of the record with who changed what
    (django-simple-history), for the records this admin shows the person, and no others:
    simple-history would otherwise fall back to the last version of a record outside the
    person's scope (another instructor's course)."""

    def _in_scope(self, request, object_id) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record.")

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class TabularInline(unfold_admin.TabularInline):
    form = LabelledRowForm


class StackedInline(unfold_admin.StackedInline):
    form = ShownFieldsModelForm
