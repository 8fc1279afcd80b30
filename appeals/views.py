from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from .selectors import get_appeal


@login_required
def detail(request, pk):
    appeal = get_appeal(request.user, pk)
    return HttpResponse(appeal.title)
