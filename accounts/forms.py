"""Forms for the account pages. They check shape; the rules are in accounts.services."""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.utils.translation import gettext_lazy as _

from accounts import services
from lms.exceptions import ApplicationError, RateLimitedError

TIME_ZONES = sorted(zoneinfo.available_timezones())


def apply_service_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's field errors on the form's fields (or on the form itself)."""
    errors = exc.extra.get("errors") or {}
    if not errors:
        form.add_error(None, exc.message)
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class LoginForm(forms.Form):
    """Login through accounts.services.user_authenticate, so the page and the API share
    the brute-force lockout."""

    username = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        self.retry_after = None
        super().__init__(*args, **kwargs)

    def clean(self):
        from lms.ratelimit import client_ip

        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email and password:
            try:
                self.user_cache = services.user_authenticate(
                    email=email, password=password, client_ip=client_ip(self.request)
                )
            except RateLimitedError as exc:
                self.retry_after = exc.retry_after
                raise forms.ValidationError(exc.message, code="login_locked") from exc
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc
        return self.cleaned_data

    def get_user(self):
        return self.user_cache


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    bio = forms.CharField(label=_("Bio"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(tz, tz) for tz in TIME_ZONES])
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("As my browser asks")), *settings.LANGUAGES],
        required=False,
        help_text=_("The pages and the emails you receive."),
    )
    avatar = forms.ImageField(label=_("Avatar"), required=False, help_text=_("JPEG, PNG or WebP, up to 2 MB."))
    email = forms.EmailField(label=_("Email"), max_length=254)
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed only to change your email."),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class SetPasswordForm(DjangoSetPasswordForm):
    """The reset page's form; saving goes through the service that also ends sessions."""

    def save(self, commit=True):
        return services.user_set_password(user=self.user, password=self.cleaned_data["new_password1"])


class EraseForm(forms.Form):
    password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
