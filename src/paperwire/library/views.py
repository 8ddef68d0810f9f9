"""The library pages: a reader's collections, a collection's page, its export and import,
the Save button and the page that files a paper in a collection.

Every collection is found through `_readable`, `_addable` or `_owned`, which answer 404
for a collection the reader may not see, whatever its id: another reader's private or
shared collection does not exist for them.
"""

from __future__ import annotations

import contextlib
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.library.exports import FORMATS, export_response
from paperwire.library.forms import CollectionForm, ImportForm, MemberForm
from paperwire.library.imports import import_into
from paperwire.library.models import Collection, LibraryError, toggle_save
from paperwire.library.templatetags.library import save_form_html
from paperwire.papers.models import CARD_RELATIONS, Paper

PAGE_PAPERS = 200


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _readable(request: HttpRequest, pk: int) -> Collection:
    return get_object_or_404(Collection.objects.readable_by(request.user)
                             .select_related("owner"), pk=pk)


def _addable(request: HttpRequest, pk: int) -> Collection:
    return get_object_or_404(Collection.objects.addable_by(request.user), pk=pk)


def _owned(request: HttpRequest, pk: int) -> Collection:
    return get_object_or_404(Collection, pk=pk, owner=request.user)


def _get_paper(arxiv_id: str) -> Paper:
    try:
        arxiv_id = parse_arxiv_id(arxiv_id).id
    except InvalidArxivId:
        raise Http404("no such paper") from None
    return get_object_or_404(Paper.objects.visible(), arxiv_id=arxiv_id)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


@login_required
def library(request: HttpRequest) -> HttpResponse:
    """The reader's collections with their counts, those shared with them, and a form
    for a new one."""
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = Collection.objects.create_for(request.user, form.cleaned_data["name"],
                                                form.cleaned_data["visibility"])
        except LibraryError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"Collection “{new.name}” is made.")
            return redirect(new)
    return render(request, "library/library.html", {
        "own": Collection.objects.owned_by(request.user).with_counts(),
        "shared": Collection.objects.filter(visibility=Collection.SHARED,
                                            members=request.user)
                  .with_counts().select_related("owner__profile"),
        "form": form,
    }, status=400 if form.errors else 200)


def collection(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    found = _readable(request, pk)
    if slug != found.slug:
        return redirect(found)
    is_owner = request.user.is_authenticated and found.owner_id == request.user.pk
    papers = list(found.papers().select_related(*CARD_RELATIONS)[:PAGE_PAPERS])
    context = {
        "collection": found, "papers": papers, "is_owner": is_owner,
        "count": found.items.filter(paper__is_hidden=False).count(),
        "can_add": found.can_add(request.user), "formats": FORMATS,
    }
    if is_owner:
        context["edit_form"] = CollectionForm(initial={"name": found.name,
                                                       "visibility": found.visibility})
        context["member_form"] = MemberForm()
        context["members"] = list(found.members.select_related("profile").order_by("pk"))
    return render(request, "library/collection.html", context)


@login_required
@require_POST
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _owned(request, pk)
    form = CollectionForm(request.POST)
    if form.is_valid():
        found.name = form.cleaned_data["name"]
        found.visibility = form.cleaned_data["visibility"]
        found.save(update_fields=["name", "visibility"])
        messages.success(request, "The collection is changed.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values()
                                         for e in errors))
    return redirect(found)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    found = _owned(request, pk)
    name = found.name
    found.delete()
    messages.success(request, f"Collection “{name}” is deleted.")
    return redirect("pw-library")


@login_required
@require_POST
def members(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a member by email or username, or remove one (`remove` = their user id)."""
    found = _owned(request, pk)
    if request.POST.get("remove"):
        with contextlib.suppress(ValueError):
            found.members.remove(int(request.POST["remove"]))
        messages.success(request, "The member is removed.")
        return redirect(found)
    form = MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the email address or username of an account.")
        return redirect(found)
    who = form.cleaned_data["who"].strip()
    user = get_user_model().objects.filter(
        Q(email__iexact=who) | Q(username__iexact=who), is_active=True).first()
    if user is None:
        # The same answer whether or not an inactive account has that address.
        messages.error(request, "No account has that email address or username.")
        return redirect(found)
    try:
        found.add_member(user)
    except LibraryError as e:
        messages.error(request, str(e))
    else:
        note = "" if found.visibility == Collection.SHARED else (
            " They see it once its visibility is “shared”.")
        messages.success(request, f"{who} is a member.{note}")
    return redirect(found)


@login_required
@require_POST
def remove_paper(request: HttpRequest, pk: int) -> HttpResponse:
    found = _owned(request, pk)
    paper = _get_paper(request.POST.get("paper", ""))
    found.remove(paper)
    messages.success(request, "The paper is removed from the collection.")
    return redirect(found)


def export(request: HttpRequest, pk: int) -> HttpResponse:
    found = _readable(request, pk)
    fmt = request.GET.get("format", "bibtex")
    if fmt not in FORMATS:
        return HttpResponse("format is bibtex, ris or csl-json\n", status=400,
                            content_type="text/plain; charset=utf-8")
    return export_response(found, fmt)


@login_required
def import_view(request: HttpRequest, pk: int) -> HttpResponse:
    found = _addable(request, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_into(found, form.cleaned_data["text"], form.cleaned_data["format"],
                             request.user)
        if report.error:
            form.add_error(None, report.error)
            report = None
    return render(request, "library/import.html", {
        "collection": found, "form": form, "report": report,
    }, status=400 if form.errors else 200)


@require_POST
def save(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Toggle the paper in the reader's "Saved" collection; htmx gets the button back."""
    paper = _get_paper(arxiv_id)
    if not request.user.is_authenticated:
        url = f"{reverse('pw-login')}?next={quote(reverse('pw-paper', args=[paper.arxiv_id]))}"
        if _is_htmx(request):
            return HttpResponse(status=401, headers={"HX-Redirect": url})
        return redirect(url)
    try:
        saved = toggle_save(request.user, paper)
    except LibraryError as e:
        if _is_htmx(request):
            return HttpResponse(str(e), status=422, content_type="text/plain; charset=utf-8")
        messages.error(request, str(e))
        return _back(request, reverse("pw-paper", args=[paper.arxiv_id]))
    if _is_htmx(request):
        return HttpResponse(save_form_html(paper, saved, request.POST.get("next", ""),
                                           get_token(request)))
    return _back(request, reverse("pw-paper", args=[paper.arxiv_id]))


@login_required
def file_paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Put the paper in one of the reader's collections (or one shared with them), take
    it out of one of their own, or make a new collection for it."""
    paper = _get_paper(arxiv_id)
    form = CollectionForm(request.POST if request.POST.get("name") else None)
    if request.method == "POST":
        try:
            if form.is_bound:
                if not form.is_valid():
                    raise LibraryError(" ".join(e for es in form.errors.values() for e in es))
                target = Collection.objects.create_for(
                    request.user, form.cleaned_data["name"], form.cleaned_data["visibility"])
                target.add(paper, request.user)
                messages.success(request, f"Added to the new collection “{target.name}”.")
            else:
                try:
                    pk = int(request.POST.get("collection", ""))
                except ValueError:
                    raise Http404("no such collection") from None
                if request.POST.get("action") == "remove":
                    _owned(request, pk).remove(paper)
                    messages.success(request, "Removed from the collection.")
                else:
                    target = _addable(request, pk)
                    target.add(paper, request.user)
                    messages.success(request, f"Added to “{target.name}”.")
        except LibraryError as e:
            messages.error(request, str(e))
        return redirect("pw-paper-collections", paper.arxiv_id)
    collections = list(Collection.objects.addable_by(request.user).select_related("owner"))
    holding = set(paper.collection_items.filter(collection__in=collections)
                  .values_list("collection_id", flat=True))
    return render(request, "library/file.html", {
        "paper": paper, "form": CollectionForm(),
        "rows": [(c, c.pk in holding, c.owner_id == request.user.pk) for c in collections],
    })
