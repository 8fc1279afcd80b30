"""Points pages: my points (residents, on a phone), and the staff's counter,
catalogue, rules and adjustments. Thin: read through selectors, write through
services; a LinliError's message is shown in the page, with what the user
typed still in the form."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import home_community, managed_communities
from core.errors import LinliError, NotFound
from regions.models import Region

from . import selectors, services
from .forms import AdjustForm, ReasonForm, RedeemForm, RestockForm, RewardForm, RulesForm, SearchForm
from .models import PointsRule

PAGE_SIZE = 20


def _staff_only(request) -> None:
    if not selectors.is_counter_staff(request.user):
        raise Http404()


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


# ---------------------------------------------------------------- residents

@login_required
def mine(request):
    """My balance, my ledger, what my community's 爱心超市 offers and what I can afford."""
    user = request.user
    community = home_community(user)
    balance = selectors.balance(user)
    rewards = list(selectors.rewards_of([community.pk])) if community else []
    for reward in rewards:
        reward.missing = max(0, reward.points - balance)
    page = Paginator(selectors.entries(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "points/mine.html", {
        "balance": balance, "community": community, "rewards": rewards, "page": page,
        "redemptions": list(selectors.redemptions_of(user)[:10]),
        "rules": selectors.rule_table(community) if community else [],
    })


# ---------------------------------------------------------------- people search (counter and adjust)

def _search(request) -> tuple[SearchForm, list, str]:
    form = SearchForm(request.GET if "q" in request.GET else None)
    query = form.raw("q")
    if not query.strip():
        return form, [], ""
    try:
        people = services.person_search(actor=request.user, query=query)
    except LinliError as e:
        return form, [], e.message
    return form, [selectors.person_row(u) for u in people], ""


def _person(request, person_id) -> selectors.PersonRow | None:
    if person_id in (None, ""):
        return None
    return selectors.person_row(selectors.person_for_staff(request.user, person_id))


def _counter_rewards(request, person) -> list:
    """Offered items of the actor's communities, the person's own community first."""
    rewards = list(selectors.rewards_of(managed_communities(request.user).values("pk")))
    home = person.community.pk if person and person.community else None
    return sorted(rewards, key=lambda r: r.community_id != home)


# ---------------------------------------------------------------- counter

def _render_counter(request, *, person_id=None, redeem_form=None, cancel_forms=None, error="", status=200):
    search, results, search_error = _search(request)
    person = None
    try:
        person = _person(request, person_id if person_id is not None else request.GET.get("person"))
    except NotFound as e:
        error, status = error or e.message, max(status, e.status)
    rewards = _counter_rewards(request, person)
    recent = selectors.counter_redemptions(request.user)
    for r in recent:
        r.cancel_form = (cancel_forms or {}).get(r.pk) or ReasonForm(prefix=f"cancel{r.pk}")
    return render(request, "points/counter.html", {
        "search": search, "results": results, "search_error": search_error, "person": person,
        "rewards": rewards, "redeem_form": redeem_form or RedeemForm(rewards=rewards), "recent": recent,
        "error": error,
    }, status=status if not search_error else max(status, 400))


@login_required
def counter(request):
    """爱心超市 counter: find a person, hand over an item, debit their points."""
    _staff_only(request)
    return _render_counter(request)


@login_required
@require_POST
def redeem(request):
    _staff_only(request)
    person_id = request.POST.get("person", "")
    form = RedeemForm(request.POST, rewards=_counter_rewards(request, None))
    try:
        user = selectors.person_for_staff(request.user, person_id)
        redemption = services.redeem(actor=request.user, user=user, reward=form.raw("reward"),
                                     quantity=form.raw("quantity"))
    except LinliError as e:
        return _render_counter(request, person_id=person_id, redeem_form=form, error=e.message, status=e.status)
    messages.success(request, _("Handed over %(name)s ×%(q)d for %(n)d points. Balance now %(balance)d.") % {
        "name": redemption.reward.name, "q": redemption.quantity, "n": redemption.points,
        "balance": redemption.entry.balance_after})
    return redirect(_url("points:counter", person=user.pk))


@login_required
@require_POST
def redemption_cancel(request, pk):
    _staff_only(request)
    person_id = request.POST.get("person", "")
    form = ReasonForm(request.POST, prefix=f"cancel{pk}")
    try:
        redemption = services.redemption_cancel(actor=request.user, redemption=pk, reason=form.raw("reason"))
    except LinliError as e:
        return _render_counter(request, person_id=person_id, cancel_forms={pk: form}, error=e.message, status=e.status)
    messages.success(request, _("Redemption cancelled: %(n)d points returned, %(name)s ×%(q)d back in stock.") % {
        "n": redemption.points, "name": redemption.reward.name, "q": redemption.quantity})
    return redirect(_url("points:counter", person=person_id))


# ---------------------------------------------------------------- catalogue

def _render_catalogue(request, *, community_id=None, create_form=None, item_form=None, error="", status=200):
    communities, community, rewards = selectors.catalogue(request.user,
                                                          community_id or request.GET.get("community", ""))
    rewards = list(rewards)
    for r in rewards:
        r.edit_form = RewardForm(prefix=f"edit{r.pk}", with_stock=False,
                                 initial={"name": r.name, "points": r.points, "description": r.description})
        r.stock_form = RestockForm(prefix=f"stock{r.pk}")
        if item_form is not None and item_form.prefix == f"edit{r.pk}":
            r.edit_form, r.open = item_form, "edit"
        elif item_form is not None and item_form.prefix == f"stock{r.pk}":
            r.stock_form, r.open = item_form, "stock"
    return render(request, "points/catalogue.html", {
        "communities": communities, "community": community, "rewards": rewards, "error": error,
        "create_form": create_form or RewardForm(prefix="new", initial={"stock": 0}),
    }, status=status)


@login_required
def catalogue(request):
    """The 爱心超市 items of one community: add, edit, offer or withdraw, restock or write off."""
    _staff_only(request)
    if request.method == "POST":
        form = RewardForm(request.POST, prefix="new")
        community_id = request.POST.get("community", "")
        try:
            reward = services.reward_save(actor=request.user, community=community_id, name=form.raw("name"),
                                          points=form.raw("points"), stock=form.raw("stock"),
                                          description=form.raw("description"))
        except LinliError as e:
            return _render_catalogue(request, community_id=community_id, create_form=form, error=e.message,
                                     status=e.status)
        messages.success(request, _("“%(name)s” added to the catalogue.") % {"name": reward.name})
        return redirect(_url("points:catalogue", community=reward.community_id))
    return _render_catalogue(request)


def _reward_or_404(request, pk):
    reward = selectors.rewards_of(managed_communities(request.user).values("pk"), active_only=False).filter(pk=pk).first()
    if reward is None:
        raise Http404()
    return reward


@login_required
@require_POST
def reward_edit(request, pk):
    _staff_only(request)
    reward = _reward_or_404(request, pk)
    form = RewardForm(request.POST, prefix=f"edit{pk}", with_stock=False)
    try:
        reward = services.reward_save(actor=request.user, reward=reward, name=form.raw("name"),
                                      points=form.raw("points"), description=form.raw("description"),
                                      is_active=reward.is_active)
    except LinliError as e:
        return _render_catalogue(request, community_id=reward.community_id, item_form=form, error=e.message,
                                 status=e.status)
    messages.success(request, _("“%(name)s” saved.") % {"name": reward.name})
    return redirect(_url("points:catalogue", community=reward.community_id))


@login_required
@require_POST
def reward_active(request, pk):
    _staff_only(request)
    reward = _reward_or_404(request, pk)
    try:
        reward = services.reward_set_active(actor=request.user, reward=reward, is_active=request.POST.get("active") == "1")
    except LinliError as e:
        return _render_catalogue(request, community_id=reward.community_id, error=e.message, status=e.status)
    if reward.is_active:
        messages.success(request, _("“%(name)s” is offered again.") % {"name": reward.name})
    else:
        messages.success(request, _("“%(name)s” is no longer offered.") % {"name": reward.name})
    return redirect(_url("points:catalogue", community=reward.community_id))


@login_required
@require_POST
def reward_stock(request, pk):
    _staff_only(request)
    reward = _reward_or_404(request, pk)
    form = RestockForm(request.POST, prefix=f"stock{pk}")
    try:
        reward = services.reward_restock(actor=request.user, reward=reward, delta=form.raw("delta"),
                                         note=form.raw("note"))
    except LinliError as e:
        return _render_catalogue(request, community_id=reward.community_id, item_form=form, error=e.message,
                                 status=e.status)
    messages.success(request, _("Stock of “%(name)s” is now %(n)d.") % {"name": reward.name, "n": reward.stock})
    return redirect(_url("points:catalogue", community=reward.community_id))


# ---------------------------------------------------------------- rules

def _render_rules(request, *, bound=None, error="", status=200):
    regions = selectors.rule_regions(request.user)
    if not regions:
        raise Http404()
    panels = []
    for region in regions:
        table = selectors.rule_table(region)
        form = RulesForm(prefix=f"r{region.pk}", table=table)
        if bound is not None and bound.prefix == form.prefix:
            form = bound
        panels.append({"region": region, "rows": [dict(row, field=form[row["key"]]) for row in table], "form": form})
    return render(request, "points/rules.html", {"panels": panels, "error": error}, status=status)


@login_required
def rules(request):
    """Points per service order, wish, errand and volunteer hour, per community and street."""
    return _render_rules(request)


@login_required
@require_POST
def rules_save(request, region_id):
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise Http404()
    table = selectors.rule_table(region)
    form = RulesForm(request.POST, prefix=f"r{region.pk}", table=table)
    try:
        services.rules_save(actor=request.user, region=region, values={k: form.raw(k) for k in PointsRule.Key.values})
    except LinliError as e:
        return _render_rules(request, bound=form, error=e.message, status=e.status)
    messages.success(request, _("Points rules of %(region)s saved.") % {"region": region.name})
    return redirect("points:rules")


# ---------------------------------------------------------------- adjustments and a person's ledger

def _adjust_communities(request, person) -> list[Region]:
    communities = list(managed_communities(request.user).order_by("code"))
    home = person.community.pk if person and person.community else None
    return sorted(communities, key=lambda c: c.pk != home)


@login_required
def adjust(request):
    """Grant or take points from a person, with a reason."""
    _staff_only(request)
    error, status, person, form = "", 200, None, None
    if request.method == "POST":
        person_id = request.POST.get("person", "")
        try:
            person = _person(request, person_id)
            if person is None:
                raise NotFound()
            form = AdjustForm(request.POST, communities=_adjust_communities(request, person))
            services.adjust(actor=request.user, user=person.user, amount=form.raw("amount"), reason=form.raw("reason"),
                            community=form.raw("community"))
        except LinliError as e:
            error, status = e.message, e.status
        else:
            messages.success(request, _("Points of %(name)s adjusted.") % {"name": person.name})
            return redirect("points:ledger", user_id=person.user.pk)
    else:
        try:
            person = _person(request, request.GET.get("person"))
        except NotFound as e:
            error, status = e.message, e.status
    search, results, search_error = _search(request)
    if person is not None and form is None:
        form = AdjustForm(communities=_adjust_communities(request, person))
    return render(request, "points/adjust.html", {
        "search": search, "results": results, "search_error": search_error, "person": person, "form": form,
        "error": error,
    }, status=status if not search_error else max(status, 400))


def _render_ledger(request, person, *, bound=None, error="", status=200):
    page = Paginator(selectors.entries(person.user), PAGE_SIZE).get_page(request.GET.get("page"))
    managed = set(managed_communities(request.user).values_list("pk", flat=True))
    home = person.community.pk if person.community else None
    for entry in page.object_list:
        entry.reversible = selectors.can_reverse(entry) and (entry.community_id or home) in managed
        entry.reverse_form = bound if bound is not None and bound.prefix == f"rev{entry.pk}" else \
            ReasonForm(prefix=f"rev{entry.pk}")
    return render(request, "points/ledger.html", {"person": person, "page": page, "error": error,
                                                  "redemptions": list(selectors.redemptions_of(person.user)[:10])},
                  status=status)


@login_required
def ledger(request, user_id):
    """A person's ledger for staff, where a wrong booking is reversed."""
    _staff_only(request)
    try:
        person = _person(request, user_id)
    except NotFound:
        raise Http404()
    return _render_ledger(request, person)


@login_required
@require_POST
def entry_reverse(request, pk):
    _staff_only(request)
    try:
        entry = selectors.get_entry(request.user, pk)
        person = _person(request, entry.account.user_id)
    except NotFound:
        raise Http404()
    form = ReasonForm(request.POST, prefix=f"rev{pk}")
    try:
        reversal = services.entry_reverse(actor=request.user, entry=entry, reason=form.raw("reason"))
    except LinliError as e:
        return _render_ledger(request, person, bound=form, error=e.message, status=e.status)
    messages.success(request, _("Entry reversed: %(n)+d points.") % {"n": reversal.amount})
    return redirect("points:ledger", user_id=person.user.pk)
