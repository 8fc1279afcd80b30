"""Pages of the services app; thin: parse the request, call services/selectors,
render. A LinliError's message is shown in the page and what the user typed is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import home_community, user_scopes
from core.errors import LinliError, NotAllowed, NotFound

from . import selectors, services
from .forms import IMAGE_ACCEPT, ActionForm, AskForm, FromAppealForm, ProviderForm, WorkbenchFilterForm
from .models import ServiceOrder
from .workflow import Action, Kind, Status

PAGE_SIZE = 30
QUEUE_SIZE = 50
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


def is_htmx(request) -> bool:
    """An htmx request wanting a fragment (not a boosted link or a history restore)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def _order_or_404(user, pk) -> ServiceOrder:
    try:
        return selectors.get_order(user, pk)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return fallback


def _is_staff(user) -> bool:
    return selectors.is_any_staff(user) or user_scopes(user).is_admin


# ---------------------------------------------------------------- 点单

@login_required
def ask(request):
    user = request.user
    is_staff = _is_staff(user)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in Kind.values else None
    form = AskForm(request.POST or None, initial=initial, user=user, is_staff=is_staff,
                   needs_community=home_community(user) is None)
    error, status, photos_dropped = "", 200, False
    if request.method == "POST":
        photos = request.FILES.getlist("photos")
        try:
            order = services.order_submit(actor=user, **form.service_kwargs(photos))
        except LinliError as e:
            error, status, photos_dropped = e.message, e.status, bool(photos)
        else:
            if order.kind == Kind.WISH:
                messages.success(request, _("Your micro-wish %(number)s is on the wall now.") % {"number": order.number})
            else:
                messages.success(request, _("Received: %(number)s. Community staff will find someone to help.")
                                 % {"number": order.number})
            return redirect("services:detail", pk=order.pk)
    return render(request, "services/ask.html", {
        "form": form, "error": error, "photos_dropped": photos_dropped, "image_accept": IMAGE_ACCEPT,
    }, status=status)


@login_required
def mine(request):
    orders = selectors.my_orders(request.user)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "services/mine.html", {"page": page})


# ---------------------------------------------------------------- one order

def _detail_context(request, order, *, bound: ActionForm | None = None, revealed_phone: str = "") -> dict:
    user = request.user
    actions = selectors.available_actions(order, user)
    suggestions = selectors.suggest_providers(order) if Action.DISPATCH in actions else []
    forms = []
    dispatch_form = None
    for action in actions:
        if bound is not None and bound.action == action:
            form = ActionForm(bound.data, action=action, order=order, user=user, suggestions=suggestions)
        else:
            form = ActionForm(action=action, order=order, user=user, suggestions=suggestions)
        if action == Action.DISPATCH:
            dispatch_form = form
        else:
            forms.append(form)
    forms.sort(key=lambda f: f.is_danger)  # the step forward first, giving back or cancelling last
    unsent_note = bound.value("note") if bound is not None and bound.action not in actions else ""
    events = list(selectors.timeline(order))
    request_photos = [p for e in events if e.action == "submit" for p in e.photos.all()]
    appeal = None
    if order.appeal_id:
        from appeals.selectors import visible_appeals

        if visible_appeals(user).filter(pk=order.appeal_id).exists():
            appeal = order.appeal
    return {
        "order": order,
        "action_forms": forms,
        "dispatch_form": dispatch_form,
        "unsent_note": unsent_note,
        "events": events,
        "photos": request_photos,
        "checklist": list(order.items.select_related("done_by")),
        "can_tick": selectors.can_tick_items(user, order),
        "personal": selectors.can_see_personal(user, order),
        "can_reveal_phone": selectors.can_reveal_phone(user, order),
        "revealed_phone": revealed_phone,
        "skills": list(order.skills.all()),
        "appeal": appeal,
        "image_accept": IMAGE_ACCEPT,
        "is_staff": selectors.is_staff_for(user, order.community_id),
    }


@login_required
def detail(request, pk):
    order = _order_or_404(request.user, pk)
    return render(request, "services/detail.html", _detail_context(request, order))


def _after_action_target(request, order) -> str:
    user = request.user
    if selectors.visible_orders(user).filter(pk=order.pk).exists():
        return _safe_next(request, reverse("services:detail", args=[order.pk]))
    if selectors.provider_of(user) is not None:  # e.g. a provider declined or gave it back
        return reverse("services:jobs")
    return reverse("services:mine")


@login_required
@require_POST
def act(request, pk, action):
    try:
        action = Action(action)
    except ValueError:
        raise Http404()
    try:
        order = selectors.get_order(request.user, pk)
    except NotFound:
        # From the wall or the board: someone else was quicker, and the order left this user's sight.
        if request.POST.get("next") and ServiceOrder.objects.filter(pk=pk).exists():
            messages.error(request, _("This order has just been taken by someone else, or is no longer open."))
            return redirect(_safe_next(request, reverse("services:board")))
        raise Http404(_("Not found, or you cannot see it."))
    form = ActionForm(request.POST, action=action, order=order, user=request.user)
    try:
        order = services.order_transition(order, action, request.user,
                                          **form.service_kwargs(request.FILES.getlist(form.add_prefix("files"))))
    except LinliError as e:
        if is_htmx(request):
            return render(request, "services/_action_error.html", {"message": e.message})
        messages.error(request, e.message)
        if request.POST.get("next") and action == Action.CLAIM:  # from the wall or the board
            return redirect(_safe_next(request, reverse("services:board")))
        try:
            fresh = selectors.get_order(request.user, pk)
        except NotFound:
            return redirect(_safe_next(request, reverse("services:mine")))
        return render(request, "services/detail.html", _detail_context(request, fresh, bound=form), status=e.status)
    messages.success(request, _("Done: “%(action)s”. The order is now “%(status)s”.")
                     % {"action": action.label, "status": Status(order.status).label})
    target = _after_action_target(request, order)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@login_required
def dispatch_panel(request, pk):
    """The dispatch form with ranked suggestions, as a fragment for the workbench (or the order page)."""
    order = _order_or_404(request.user, pk)
    if Action.DISPATCH not in selectors.available_actions(order, request.user):
        if is_htmx(request):
            return render(request, "services/_action_error.html",
                          {"message": _("This order cannot be dispatched now.")})
        return redirect("services:detail", pk=order.pk)
    if not is_htmx(request):
        return redirect(reverse("services:detail", args=[order.pk]) + "#dispatch")
    suggestions = selectors.suggest_providers(order)
    form = ActionForm(action=Action.DISPATCH, order=order, user=request.user, suggestions=suggestions)
    return render(request, "services/_dispatch.html", {
        "order": order, "form": form, "next": reverse("services:workbench"), "inline": True})


@login_required
@require_POST
def tick(request, pk, item_id):
    order = _order_or_404(request.user, pk)
    error = ""
    try:
        services.errand_item_set(actor=request.user, order=order, item_id=item_id, done=request.POST.get("done") == "1")
    except LinliError as e:
        error = e.message
        if not is_htmx(request):
            messages.error(request, e.message)
    if is_htmx(request):
        return render(request, "services/_checklist.html", {
            "order": order, "checklist": list(order.items.select_related("done_by")), "error": error,
            "can_tick": selectors.can_tick_items(request.user, order)})
    return redirect(reverse("services:detail", args=[order.pk]) + "#checklist")


@login_required
@require_POST
def reveal_phone(request, pk):
    """The requester's full number for staff and the provider; every view is logged."""
    order = _order_or_404(request.user, pk)
    try:
        phone = services.reveal_phone(actor=request.user, order=order)
    except NotAllowed as e:
        if is_htmx(request):
            return render(request, "services/_action_error.html", {"message": e.message})
        messages.error(request, e.message)
        return redirect("services:detail", pk=order.pk)
    if is_htmx(request):
        return render(request, "services/_phone.html", {"phone": phone})
    return render(request, "services/detail.html", _detail_context(request, order, revealed_phone=phone))


@login_required
def photo(request, pk):
    from .models import OrderPhoto

    order_id = OrderPhoto.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    try:
        item = selectors.order_photo(selectors.get_order(request.user, order_id), pk)
        handle = item.file.open("rb")
    except (NotFound, FileNotFoundError, OSError, ValueError):
        raise Http404()
    is_image = item.content_type in IMAGE_TYPES
    response = FileResponse(handle, content_type=item.content_type if is_image else "application/octet-stream",
                            as_attachment=not is_image, filename=item.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- the wall, the board, my jobs

def wall(request):
    """公开微心愿墙: public, no personal data beyond a masked name."""
    community = request.GET.get("community", "").strip()[:20]
    open_wishes, fulfilled = selectors.wall(community)
    page = Paginator(open_wishes, PAGE_SIZE).get_page(request.GET.get("page"))
    provider = selectors.provider_of(request.user) if request.user.is_authenticated else None
    wishes = list(page.object_list)
    for wish in wishes:
        wish.can_claim = bool(provider and provider.is_active and wish.requester_id != request.user.id
                              and selectors.provider_serves(provider, wish))
    return render(request, "services/wall.html", {
        "page": page, "wishes": wishes, "fulfilled": list(fulfilled[:12]), "fulfilled_count": fulfilled.count(),
        "communities": selectors.wall_communities(), "community": community, "provider": provider,
    })


@login_required
def board(request):
    provider = selectors.provider_of(request.user)
    if provider is None:
        messages.info(request, _("Register as a provider first to see the orders you can take."))
        return redirect("services:provider")
    kind = request.GET.get("kind", "")
    orders = selectors.board_orders(request.user, kind=kind)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "services/board.html", {"page": page, "provider": provider, "kind": kind,
                                                   "kinds": Kind.choices})


@login_required
def jobs(request):
    provider = selectors.provider_of(request.user)
    if provider is None:
        messages.info(request, _("Register as a provider first to take orders."))
        return redirect("services:provider")
    buckets = selectors.jobs(request.user)
    sections = [
        {"key": "dispatched", "title": _("Dispatched to me: accept or decline"), "items": list(buckets["dispatched"]),
         "urgent": True},
        {"key": "accepted", "title": _("To do"), "items": list(buckets["accepted"])},
        {"key": "done", "title": _("Done, waiting for the requester"), "items": list(buckets["done"])},
        {"key": "confirmed", "title": _("Finished"), "items": list(buckets["confirmed"])},
    ]
    load, done, lapses = selectors.provider_stats([provider.pk])[provider.pk]
    return render(request, "services/jobs.html", {
        "provider": provider, "sections": sections, "done_count": done, "lapses": lapses,
        "reliability": round(100 * selectors.reliability_score(done, lapses))})


@login_required
def provider(request):
    user = request.user
    current = selectors.provider_of(user)
    form = ProviderForm(request.POST or None, provider=current)
    error, status = "", 200
    if request.method == "POST":
        try:
            saved = services.provider_save(actor=user, **form.service_kwargs())
        except LinliError as e:
            error, status = e.message, e.status
        else:
            if current is None and saved.is_pending:
                messages.success(request, _("Thank you. Community staff will check your shop and let you know."))
            elif current is None:
                messages.success(request, _("Welcome! You can take orders now."))
                return redirect("services:board")
            else:
                messages.success(request, _("Your profile has been saved."))
            return redirect("services:provider")
    is_member = getattr(getattr(user, "person", None), "party_membership", None) is not None
    return render(request, "services/provider.html", {
        "form": form, "provider": current, "error": error, "is_member": is_member}, status=status)


# ---------------------------------------------------------------- staff

@login_required
def workbench(request):
    user = request.user
    if not _is_staff(user):
        raise Http404()
    communities = selectors.managed_community_list(user)
    form = WorkbenchFilterForm(request.GET or None, communities=communities, queues=selectors.QUEUES)
    filters = form.filters()
    queues = selectors.workbench_queues(user, community=filters["community"], kind=filters["kind"])
    sections = []
    shown_ids = []
    for key, label in selectors.QUEUES:
        if filters["queue"] and filters["queue"] != key:
            continue
        qs = queues[key]
        items = list(qs[:QUEUE_SIZE])
        shown_ids += [o.pk for o in items]
        sections.append({"key": key, "title": label, "items": items, "count": qs.count() if len(items) == QUEUE_SIZE
                         else len(items), "urgent": key == "overdue"})
    returned = selectors.returned_order_ids(shown_ids)
    for section in sections:
        for order in section["items"]:
            order.was_returned = order.pk in returned
    context = {"form": form, "sections": sections}
    template = "services/_workbench_queues.html" if is_htmx(request) else "services/workbench.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def providers(request):
    user = request.user
    if not _is_staff(user):
        raise Http404()
    state = request.GET.get("state", "")
    if state not in ("pending", "active", "inactive"):
        state = ""
    qs = selectors.staff_providers(user, state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    stats = selectors.provider_stats(p.pk for p in rows)
    for p in rows:
        p.load, p.done_count, p.lapses = stats[p.pk]
        p.reliability = round(100 * selectors.reliability_score(p.done_count, p.lapses))
    return render(request, "services/providers.html", {"page": page, "rows": rows, "state": state,
                                                       "pending": selectors.staff_providers(user, state="pending").count()})


@login_required
@require_POST
def provider_action(request, pk, op):
    if not _is_staff(request.user):
        raise Http404()
    try:
        if op == "approve":
            done = services.provider_approve(actor=request.user, provider=pk)
            messages.success(request, _("%(name)s can take orders now.") % {"name": done.display_name})
        elif op in ("activate", "deactivate"):
            done = services.provider_set_active(actor=request.user, provider=pk, active=op == "activate",
                                                note=request.POST.get("note", ""))
            messages.success(request, (_("%(name)s can take orders again.") if op == "activate"
                                       else _("%(name)s no longer gets new orders.")) % {"name": done.display_name})
        else:
            raise Http404()
    except NotFound:
        raise Http404()
    except LinliError as e:
        messages.error(request, e.message)
    return redirect(_safe_next(request, reverse("services:providers")))


@login_required
def from_appeal(request, appeal_pk):
    """Turn a small appeal into a service order (the appeal page links here)."""
    from appeals.selectors import get_appeal

    try:
        appeal = get_appeal(request.user, appeal_pk)
    except NotFound:
        raise Http404(_("Not found, or you cannot see it."))
    existing = selectors.order_for_appeal(appeal)
    if existing is not None:
        messages.info(request, _("This appeal is already handled as service order %(n)s.") % {"n": existing.number})
        return redirect("services:detail", pk=existing.pk)
    form = FromAppealForm(request.POST or None)
    error, status = "", 200
    allowed = selectors.can_convert_appeal(request.user, appeal)
    if request.method == "POST":
        try:
            order = services.order_from_appeal(request.user, appeal, **form.service_kwargs())
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Appeal %(a)s is now service order %(n)s.") % {"a": appeal.number,
                                                                                        "n": order.number})
            return redirect("services:detail", pk=order.pk)
    elif not allowed:
        status = 403
    return render(request, "services/from_appeal.html", {"form": form, "appeal": appeal, "error": error,
                                                         "allowed": allowed}, status=status)

