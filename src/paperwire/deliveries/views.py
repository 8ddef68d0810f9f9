"""The Deliveries page: a reader's destinations, what each last did, and its buttons.

Every destination is found through `_get_destination_for_user`, which answers 404 for
another reader's, whatever its id.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from paperwire.deliveries.forms import DestinationForm
from paperwire.deliveries.models import MAX_DESTINATIONS, Destination, DestinationError, Send
from paperwire.lib.mail import mail_is_set_up

RECENT_SENDS = 10


def _get_destination_for_user(request: HttpRequest, pk: int) -> Destination:
    return get_object_or_404(Destination, pk=pk, owner=request.user)


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    form = DestinationForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = Destination.objects.create_for(request.user, **form.cleaned_data)
        except DestinationError as e:
            form.add_error(None, str(e))
        else:
            form = DestinationForm()
    destinations = list(Destination.objects.owned_by(request.user))
    for destination in destinations:
        destination.recent = list(
            Send.objects.filter(destination=destination).select_related("paper")
            .only("status", "created_at", "sent_at", "last_error", "reason",
                  "paper__arxiv_id", "paper__title")[:RECENT_SENDS])
    status = 422 if request.method == "POST" and created is None else 200
    return render(request, "deliveries/deliveries.html", {
        "form": form, "destinations": destinations, "created": created,
        "max_destinations": MAX_DESTINATIONS, "mail_set_up": mail_is_set_up()},
        status=status)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    _get_destination_for_user(request, pk).delete()
    messages.success(request, "Destination deleted.")
    return redirect("pw-deliveries")


@login_required
@require_POST
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    destination = _get_destination_for_user(request, pk)
    if request.POST.get("resume"):
        destination.resume()
        messages.success(request, "Destination resumed: what waited is sent at the next run.")
    else:
        destination.pause("Paused by you.")
        messages.success(request, "Destination paused.")
    return redirect("pw-deliveries")


@login_required
@require_POST
def test(request: HttpRequest, pk: int) -> HttpResponse:
    destination = _get_destination_for_user(request, pk)
    result = destination.send_test()
    (messages.success if result == "Delivered." else messages.error)(
        request, f"Test message: {result}")
    return redirect("pw-deliveries")
