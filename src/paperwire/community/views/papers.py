"""What a signed-in reader does to a paper: upvote, comment, submit, claim an author,
attach it to an organisation. Every view here changes state: POST only, CSRF checked by
the middleware, a session required."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from paperwire.community import throttle
from paperwire.community.forms import (
    AttachForm,
    ClaimForm,
    CommentForm,
    ReportForm,
    SubmitForm,
)
from paperwire.community.models import (
    AuthorClaim,
    Comment,
    CommentReport,
    Membership,
    Vote,
)
from paperwire.community.submit import SubmitError, submit_paper
from paperwire.community.templatetags.community import upvote_fragment
from paperwire.lib.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperwire.papers.models import Paper, PaperAuthor

SLOW_DOWN = "You are doing that a lot; wait a few minutes and try again."


def _get_paper(arxiv_id: str) -> Paper:
    try:
        arxiv_id = parse_arxiv_id(arxiv_id).id
    except InvalidArxivId:
        raise Http404("no such paper") from None
    return get_object_or_404(Paper.objects.visible(), arxiv_id=arxiv_id)


def _paper_url(paper: Paper, anchor: str = "") -> str:
    return reverse("pw-paper", args=[paper.arxiv_id]) + (f"#{anchor}" if anchor else "")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _login_first(request: HttpRequest, next_url: str) -> HttpResponse:
    url = f"{reverse('pw-login')}?next={quote(next_url)}"
    if _is_htmx(request):
        # htmx follows HX-Redirect with a full page load; a 401 body would be swapped in.
        return HttpResponse(status=401, headers={"HX-Redirect": url})
    return redirect(url)


@require_POST
def upvote(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Toggle (or, with `up=1` / `up=0`, set) the reader's vote; htmx gets the button."""
    paper = _get_paper(arxiv_id)
    if not request.user.is_authenticated:
        return _login_first(request, _paper_url(paper))
    wanted = request.POST.get("up")
    if wanted in ("0", "1"):
        voted, count = Vote.objects.set_vote(request.user, paper, wanted == "1")
    else:
        voted, count = Vote.objects.toggle(request.user, paper)
    if _is_htmx(request):
        paper.upvotes = count
        return HttpResponse(upvote_fragment(request, paper, voted))
    return redirect(request.POST.get("next") if _safe_next(request) else _paper_url(paper))


def _safe_next(request: HttpRequest) -> bool:
    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure())


@login_required
@require_POST
def comment(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = _get_paper(arxiv_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return render(request, "community/comment_form_page.html",
                      {"paper": paper, "form": form}, status=400)
    parent = None
    if form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], paper=paper,
                                        is_deleted=False, is_hidden=False).first()
        if parent is None:
            form.add_error(None, "That comment is gone; your reply was not posted.")
            return render(request, "community/comment_form_page.html",
                          {"paper": paper, "form": form}, status=400)
    if not throttle.allow(comment_user=str(request.user.pk)):
        form.add_error(None, SLOW_DOWN)
        return render(request, "community/comment_form_page.html",
                      {"paper": paper, "form": form}, status=429)
    new = Comment.post(request.user, paper, form.cleaned_data["body"], parent)
    return redirect(_paper_url(paper, f"comment-{new.pk}"))


def _own_comment(request: HttpRequest, pk: int) -> Comment:
    """The reader's own shown comment on a visible paper, or 404."""
    return get_object_or_404(Comment.objects.select_related("paper"), pk=pk,
                             user=request.user, is_deleted=False, is_hidden=False,
                             paper__is_hidden=False)


@login_required
def edit_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _own_comment(request, pk)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        comment.edit(form.cleaned_data["body"])
        return redirect(_paper_url(comment.paper, f"comment-{comment.pk}"))
    return render(request, "community/comment_edit.html",
                  {"comment": comment, "paper": comment.paper, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def delete_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _own_comment(request, pk)
    comment.delete_by_author()
    messages.success(request, "Your comment is deleted.")
    return redirect(_paper_url(comment.paper, "discussion"))


@login_required
@require_POST
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk,
                                is_deleted=False, is_hidden=False, paper__is_hidden=False)
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if throttle.allow(report_user=str(request.user.pk)):
        # Reported once is enough.
        CommentReport.objects.get_or_create(comment=comment, user=request.user,
                                            defaults={"reason": reason})
    messages.success(request, "Thank you: a moderator will look at this comment.")
    return redirect(_paper_url(comment.paper, f"comment-{comment.pk}"))


@login_required
def submit(request: HttpRequest) -> HttpResponse:
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not throttle.allow(submit_user=str(request.user.pk)):
            form.add_error(None, SLOW_DOWN)
            return _submit_page(request, form, 429)
        try:
            result = submit_paper(request.user, form.cleaned_data["id"])
        except SubmitError as e:
            form.add_error("id", str(e))
            return _submit_page(request, form, 400 if e.status == 422 else e.status)
        if not result.created:
            messages.info(request, "This paper was submitted already: here it is.")
        elif result.featured:
            messages.success(request, "Thank you: the paper is featured today.")
        else:
            messages.success(request, "Thank you: the paper is added. Its first version is "
                                      "too old to be featured today.")
        return redirect(_paper_url(result.paper))
    return _submit_page(request, form, 400 if form.errors else 200)


def _submit_page(request: HttpRequest, form: SubmitForm, status: int) -> HttpResponse:
    return render(request, "community/submit.html", {
        "form": form, "window_days": settings.SUBMISSION_WINDOW_DAYS}, status=status)


@login_required
@require_POST
def claim(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Claim to be one of the paper's authors; an admin approves in the admin."""
    paper = _get_paper(arxiv_id)
    form = ClaimForm(request.POST)
    link = PaperAuthor.objects.filter(
        paper=paper, author_id=form.cleaned_data["author"] if form.is_valid() else 0
    ).select_related("author").first()
    if link is None:
        raise Http404("not an author of this paper")
    if link.author.user_id is not None:
        messages.info(request, f"{link.author.name} is already linked to an account.")
    elif not throttle.allow(claim_user=str(request.user.pk)):
        messages.error(request, SLOW_DOWN)
    else:
        _, created = AuthorClaim.objects.get_or_create(
            user=request.user, author=link.author, defaults={"paper": paper})
        messages.success(request, f"Your claim to be {link.author.name} is "
                                  f"{'sent' if created else 'already sent'}: an admin will "
                                  "review it.")
    return redirect(_paper_url(paper, "community-actions"))


@login_required
@require_POST
def attach(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """A member attaches a paper with no organisation to theirs (or detaches it)."""
    paper = _get_paper(arxiv_id)
    form = AttachForm(request.POST)
    membership = Membership.objects.filter(
        user=request.user, organisation_id=form.cleaned_data["organisation"]
        if form.is_valid() else 0).select_related("organisation").first()
    if membership is None:
        raise Http404("not a member of that organisation")
    org = membership.organisation
    if request.POST.get("detach"):
        changed = Paper.objects.filter(pk=paper.pk, organisation=org).update(organisation=None)
        text = f"The paper is no longer attached to {org.name}."
    else:
        # Only a paper with no organisation: a member cannot take another's paper.
        changed = Paper.objects.filter(pk=paper.pk, organisation=None).update(organisation=org)
        text = f"The paper is attached to {org.name}."
    if changed:
        paper.save(update_fields=["modified_at"])  # lists show the organisation
        messages.success(request, text)
    elif request.POST.get("detach"):
        messages.error(request, f"The paper is not attached to {org.name}.")
    else:
        messages.error(request, "The paper belongs to another organisation.")
    return redirect(_paper_url(paper, "community-actions"))
