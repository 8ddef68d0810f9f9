from django.urls import path, re_path

from paperwire.community.views import accounts, papers

# As the reading site writes an arXiv id in a URL: new style, or old style with a slash.
ARXIV_ID = r"(?P<arxiv_id>[A-Za-z][A-Za-z.\-]*/\d{7}(?:v\d+)?|\d{4}\.\d{4,5}(?:v\d+)?)"

urlpatterns = [
    path("signup", accounts.signup, name="pw-signup"),
    path("signup/sent", accounts.signup_sent, name="pw-signup-sent"),
    path("account/verify/<str:token>", accounts.verify, name="pw-verify"),
    path("login", accounts.login_view, name="pw-login"),
    path("logout", accounts.logout_view, name="pw-logout"),
    path("account/reset", accounts.reset, name="pw-reset"),
    path("account/reset/sent", accounts.reset_sent, name="pw-reset-sent"),
    path("account/reset/<uidb64>/<token>", accounts.ResetConfirmView.as_view(),
         name="pw-reset-confirm"),
    path("account", accounts.account, name="pw-account"),
    path("account/password", accounts.PasswordChangeView.as_view(),
         name="pw-password-change"),
    path("account/tokens", accounts.new_token, name="pw-token-new"),
    path("account/tokens/<int:pk>/revoke", accounts.revoke_token, name="pw-token-revoke"),
    path("users/<int:pk>", accounts.profile, name="pw-profile"),
    path("submit", papers.submit, name="pw-submit"),
    re_path(rf"^papers/{ARXIV_ID}/upvote$", papers.upvote, name="pw-upvote"),
    re_path(rf"^papers/{ARXIV_ID}/comments$", papers.comment, name="pw-comment"),
    re_path(rf"^papers/{ARXIV_ID}/claim$", papers.claim, name="pw-claim"),
    re_path(rf"^papers/{ARXIV_ID}/organisation$", papers.attach, name="pw-attach"),
    path("comments/<int:pk>/edit", papers.edit_comment, name="pw-comment-edit"),
    path("comments/<int:pk>/delete", papers.delete_comment, name="pw-comment-delete"),
    path("comments/<int:pk>/report", papers.report_comment, name="pw-comment-report"),
]
