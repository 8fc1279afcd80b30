from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core.errors import LinliError

from .forms import LoginForm
from .services import login_attempt


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request) or "core:home")
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(request=request, username=form.cleaned_data["username"],
                                 password=form.cleaned_data["password"])
        except LinliError as e:
            error, status = e.message, e.status
        else:
            login(request, user)
            messages.success(request, _("Welcome, %(name)s.") % {"name": user.display_name})
            return redirect(_safe_next(request) or "core:home")
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": _safe_next(request)},
                  status=status)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("accounts:login")
