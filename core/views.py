"""Home (by role), the inbox, and serving checked photos to those who may see them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.selectors import home_url_name
from core.errors import NotFound
from core.notify import notification_mark_read, user_notifications

# Served inline as images; anything else (never expected) goes out as a download.
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return redirect(home_url_name(request.user))


# The resident's home: what they can do, in the order they most often need it. Entries whose
# page is not mounted are left out; `who` limits an entry to providers or party members.
ME_TILES = [
    ("appeals:report", gettext_lazy("Report a problem"), gettext_lazy("Something broken or unsafe nearby"), ""),
    ("appeals:mine", gettext_lazy("My appeals"), gettext_lazy("Follow and rate what you reported"), ""),
    ("services:ask", gettext_lazy("Ask for help"), gettext_lazy("Repairs, errands, a micro-wish"), ""),
    ("services:mine", gettext_lazy("My requests"), gettext_lazy("Help you asked for"), ""),
    ("services:wall", gettext_lazy("Wish wall"), gettext_lazy("Micro-wishes of neighbours"), ""),
    ("deliberation:list", gettext_lazy("Community matters"), gettext_lazy("Raise a matter, co-sign, follow and rate"), ""),
    ("deliberation:raise", gettext_lazy("Raise a matter"), gettext_lazy("Something the neighbours should decide together"), ""),
    ("places:nearby", gettext_lazy("Service stations"), gettext_lazy("Rest, water, charging and help nearby"), ""),
    ("services:board", gettext_lazy("Open orders"), gettext_lazy("Requests you can take"), "provider"),
    ("services:jobs", gettext_lazy("My orders"), gettext_lazy("Orders you have taken"), "provider"),
    ("services:provider", gettext_lazy("Serve neighbours"), gettext_lazy("Your skills and service area"), ""),
    ("volunteering:activities", gettext_lazy("Activities"), gettext_lazy("Volunteer activities to join"), ""),
    ("volunteering:mine", gettext_lazy("My volunteering"), gettext_lazy("Hours and certificates"), ""),
    ("volunteering:teams", gettext_lazy("Volunteer teams"), gettext_lazy("Join a team"), ""),
    ("points:mine", gettext_lazy("My points"), gettext_lazy("Balance and the 爱心超市"), ""),
    ("party:my_record", gettext_lazy("Dual reporting"), gettext_lazy("Your service this quarter"), "member"),
    ("party:evaluations", gettext_lazy("Evaluations"), gettext_lazy("Nominate and vote: 先锋党员, 最美庭院 …"), ""),
]


@login_required
def me(request):
    """Home for residents, party members, volunteers and merchants."""
    user = request.user
    is_provider = hasattr(user, "provider")
    person = getattr(user, "person", None)
    is_member = person is not None and hasattr(person, "party_membership")
    tiles = []
    for name, label, hint, who in ME_TILES:
        if (who == "provider" and not is_provider) or (who == "member" and not is_member):
            continue
        url = _url_or_blank(name)
        if url:
            tiles.append({"url": url, "label": label, "hint": hint})
    account = getattr(user, "points_account", None)
    return render(request, "core/me.html", {"tiles": tiles, "balance": account.balance if account else 0,
                                            "points_url": _url_or_blank("points:mine")})


def _url_or_blank(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page another app has not mounted
        return ""


@login_required
def inbox(request):
    show = request.GET.get("show", "")
    notes = user_notifications(request.user, unread_only=show == "unread").order_by("-created_at", "-id")
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page, "show": show})


@login_required
@require_POST
def inbox_read(request):
    """Mark one message (and open its link) or all messages read."""
    note_id = request.POST.get("id", "")
    if note_id.isdigit():
        try:
            note = notification_mark_read(user=request.user, notification_id=int(note_id))
        except NotFound:
            raise Http404()
        if request.POST.get("open") and note.url and url_has_allowed_host_and_scheme(
                note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect(note.url)
        return redirect("core:inbox")
    count = user_notifications(request.user, unread_only=True).update(read_at=timezone.now())
    messages.success(request, _("%(n)d messages marked as read.") % {"n": count})
    return redirect("core:inbox")


@login_required
def attachment(request, pk):
    from appeals.models import Attachment
    from appeals.selectors import appeal_attachment, get_appeal

    appeal_id = Attachment.objects.filter(pk=pk).values_list("appeal_id", flat=True).first()
    try:
        item = appeal_attachment(get_appeal(request.user, appeal_id), pk)
    except NotFound:
        raise Http404()
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404()
    is_image = item.content_type in IMAGE_TYPES
    response = FileResponse(handle, content_type=item.content_type if is_image else "application/octet-stream",
                            as_attachment=not is_image, filename=item.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
