"""Moderation in the Django admin: hide and unhide papers and comments, block and unblock
users, approve authorship claims, manage organisation members. Every action writes an
AuditEntry (who, what, which object, when); the audit log itself is read-only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from paperwire.community.models import (
    ApiToken,
    AuditEntry,
    AuthorClaim,
    Comment,
    CommentReport,
    Membership,
    Profile,
    Submission,
)
from paperwire.papers.admin import OrganisationAdmin, PaperAdmin
from paperwire.papers.models import Organisation, Paper

User = get_user_model()


def _login_through_the_site(request, extra_context=None):
    """The admin signs in through the site's login, with its rate limits."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('pw-login')}?{urlencode({'next': next_url})}")


admin.site.login = _login_through_the_site


def _audited(action: str, description: str, method: str):
    """An admin action calling `method` on each selected object and logging each change."""

    def run(modeladmin, request, queryset):
        changed = 0
        for obj in queryset:
            result = getattr(modeladmin, method)(request, obj)
            if result is not False:
                AuditEntry.record(request.user, action, obj)
                changed += 1
        modeladmin.message_user(request, f"{description}: {changed} changed.",
                                messages.SUCCESS)

    run.short_description = description
    run.__name__ = action.replace(" ", "_")
    return run


# --- Papers: hide / unhide (replaces the papers app's registration, adding actions) ---

admin.site.unregister(Paper)


@admin.register(Paper)
class ModeratedPaperAdmin(PaperAdmin):
    # Counts move only through votes, comments and ingest; hiding only through actions,
    # so that every hide is in the audit log.
    readonly_fields = [*PaperAdmin.readonly_fields, "is_hidden", "upvotes", "num_comments",
                       "local_upvotes", "local_comments"]
    actions = [_audited("hide paper", "Hide the selected papers", "hide"),
               _audited("unhide paper", "Show the selected papers again", "unhide")]

    def hide(self, request, paper: Paper) -> bool:
        return bool(Paper.objects.filter(pk=paper.pk, is_hidden=False)
                    .update(is_hidden=True, modified_at=timezone.now()))

    def unhide(self, request, paper: Paper) -> bool:
        return bool(Paper.objects.filter(pk=paper.pk, is_hidden=True)
                    .update(is_hidden=False, modified_at=timezone.now()))


# --- Comments and reports ---

@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["pk", "paper", "user", "created_at", "is_hidden", "is_deleted",
                    "report_count"]
    list_filter = ["is_hidden", "is_deleted"]
    search_fields = ["body", "paper__arxiv_id", "user__username"]
    raw_id_fields = ["paper", "user", "parent"]
    readonly_fields = ["paper", "user", "parent", "created_at", "edited_at", "is_hidden",
                       "is_deleted"]
    actions = [_audited("hide comment", "Hide the selected comments", "hide"),
               _audited("unhide comment", "Show the selected comments again", "unhide")]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_reports=Count("reports"))

    @admin.display(ordering="_reports", description="reports")
    def report_count(self, comment: Comment) -> int:
        return comment._reports

    def hide(self, request, comment: Comment) -> bool:
        changed = comment.hide()
        CommentReport.objects.filter(comment=comment).update(resolved=True)
        return changed

    def unhide(self, request, comment: Comment) -> bool:
        return comment.unhide()

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    list_display = ["comment", "user", "reason", "created_at", "resolved"]
    list_filter = ["resolved"]
    raw_id_fields = ["comment", "user"]


# --- Users: block / unblock ---

admin.site.unregister(User)


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "is_active", "is_staff", "date_joined", "last_login"]
    actions = [_audited("block user", "Block the selected users", "block"),
               _audited("unblock user", "Unblock the selected users", "unblock")]

    def block(self, request, user) -> bool:
        if user.pk == request.user.pk:
            self.message_user(request, "You cannot block yourself.", messages.ERROR)
            return False
        changed = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
        # Sessions and tokens die with the block: an inactive user is refused by the
        # auth backend on the next request, and the API tokens are gone.
        ApiToken.objects.filter(user=user).delete()
        return bool(changed)

    def unblock(self, request, user) -> bool:
        return bool(User.objects.filter(pk=user.pk, is_active=False).update(is_active=True))

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the password changed
            ApiToken.objects.revoke_all(User.objects.get(pk=id))
        return response


# --- Authorship claims ---

@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin):
    list_display = ["author", "user", "paper", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["user", "author", "paper"]
    readonly_fields = ["status", "decided_at", "decided_by"]
    actions = [_audited("approve claim", "Approve the selected claims", "approve"),
               _audited("reject claim", "Reject the selected claims", "reject")]

    def approve(self, request, claim: AuthorClaim) -> bool:
        if claim.status == AuthorClaim.APPROVED:
            return False
        if not claim.approve(request.user):
            self.message_user(request, f"{claim.author} is linked to another account.",
                              messages.WARNING)
            return False
        return True

    def reject(self, request, claim: AuthorClaim) -> bool:
        if claim.status == AuthorClaim.REJECTED:
            return False
        claim.reject(request.user)
        return True


# --- Organisations and their members ---

class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 1


admin.site.unregister(Organisation)


@admin.register(Organisation)
class OrganisationWithMembersAdmin(OrganisationAdmin):
    inlines = [MembershipInline]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["paper", "user", "created_at"]
    raw_id_fields = ["paper", "user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["token_hash", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # tokens are made by their owner or `paperwire user token`


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id",
                    "target_repr"]
    list_filter = ["action"]
    search_fields = ["target_repr", "target_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
