from django.contrib.auth import get_user_model

from paperwire.community.models import ApiToken, Profile, hash_token


def test_it_creates_users_and_prints_tokens(cli):
    cli("user", "create", "Root@Example.org", "--password", "a long admin password",
        "--admin", check=True)
    user = get_user_model().objects.get(username="root@example.org")
    assert user.is_superuser and user.is_staff and user.check_password("a long admin password")
    assert Profile.objects.get(user=user).email_verified_at is not None

    again = cli("user", "create", "root@example.org", "--password", "whatever long one")
    assert again.returncode == 1 and "already has an account" in again.stderr

    out = cli("user", "token", "root@example.org", check=True).stdout.strip()
    assert out.startswith("pw_")
    assert ApiToken.objects.get(user=user).token_hash == hash_token(out)

    assert cli("user", "token", "nobody@example.org").returncode == 1
    assert cli("user", "create", "not-an-email", "--password", "x" * 12).returncode == 2
    assert cli("user", "create", "a@example.org", "--password", "short").returncode == 2


def test_it_prints_a_token_that_expires(cli):
    from paperwire.community.tests.conftest import make_user

    make_user("root@example.org", "Root")
    out = cli("user", "token", "root@example.org", "--expires-in-days", "7",
              check=True).stdout.strip()
    token = ApiToken.objects.get(token_hash=hash_token(out))
    assert token.expires_at is not None
    assert 6 < (token.expires_at - token.created_at).total_seconds() / 86400 <= 7
