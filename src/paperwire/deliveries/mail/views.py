"""The stop link of an email delivery's mails: a signed link (mail/transport.py) that
pauses the destination, with no sign-in.

GET only shows a page with a button that POSTs: link scanners and mail previews follow
GET links and must not stop anything. The POST is CSRF-exempt on purpose: it is also
RFC 8058's one-click target, which the mail provider POSTs with no session. It only
ever pauses (the owner resumes or deletes on the Deliveries page, signed in).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from paperwire.deliveries.mail.transport import check_stop

STOPPED = "Paused from the stop link in one of its mails."


@csrf_exempt
@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, token: str) -> HttpResponse:
    destination = check_stop(token)
    if destination is None:
        return render(request, "deliveries/stop_bad_link.html", status=400)
    if request.method == "POST":
        if not destination.is_paused:
            destination.pause(STOPPED)
        return render(request, "deliveries/stopped.html", {"destination": destination})
    if destination.is_paused:
        return render(request, "deliveries/stopped.html", {"destination": destination})
    return render(request, "deliveries/stop.html", {"destination": destination})
