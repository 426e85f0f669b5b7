"""Account pages: sign-up, login, logout, password reset, profile."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import services
from accounts.forms import (
    EraseForm,
    LoginForm,
    PasswordResetRequestForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
    apply_service_errors,
)
from lms.exceptions import ApplicationError
from lms.ratelimit import limit_page_posts


def _safe_next(request) -> str:
    """The page to go on to after signing up (`next`, as the login page has it), when it
    is one of this site's; empty otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@limit_page_posts()
@require_http_methods(["GET", "POST"])
def signup(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "enrollments:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ApplicationError as exc:
            if "password" in (exc.extra.get("errors") or {}):
                exc.extra["errors"]["password1"] = exc.extra["errors"].pop("password")
            apply_service_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect(next_url or "enrollments:dashboard")
    context = {"form": form, "next": next_url}
    return render(request, "accounts/signup.html", context, status=400 if form.errors else 200)


@method_decorator(limit_page_posts(), name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's login view (safe `?next=` handling) with the service-backed form."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        else:
            response.status_code = 400
        return response


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@method_decorator(limit_page_posts(), name="dispatch")
class PasswordResetView(auth_views.FormView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        services.password_reset_request(email=form.cleaned_data["email"])
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(limit_page_posts(), name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
@limit_page_posts(scope="password-change")
def password_change(request):
    """A signed-in person changes their password: the current one, then the new one twice
    (Django's form and validators). Every other session and API token ends; this one
    stays signed in."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_set_password(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed. You were signed out everywhere else."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "bio": user.bio,
        "time_zone": user.time_zone,
        "language": user.language,
        "email": user.email,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        current_password = data.pop("current_password") or None
        if data.get("avatar") is None:
            data.pop("avatar", None)  # no new file: keep the current one
        try:
            services.user_update_profile(user=user, data=data, current_password=current_password)
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_erase(user=request.user, password=form.cleaned_data["password"])
        except ApplicationError as exc:
            apply_service_errors(form, exc)
        else:
            logout(request)
            messages.success(request, _("Your account was deleted."))
            return redirect("courses:home")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def language_set(request):
    """The footer's language choice: Django's set_language (the cookie, back to the page),
    and for a signed-in user their profile's language too, so every page and email follows."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES) and language != request.user.language:
        services.user_update_profile(user=request.user, data={"language": language})
    return response
