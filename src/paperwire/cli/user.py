"""`paperwire user create EMAIL` and `paperwire user token EMAIL`."""

from __future__ import annotations

import typer

from paperwire.cli import app, console, email_address

user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("create")
def create(
    email: str,
    password: str = typer.Option(None, help="The password (asked when omitted)."),
    admin: bool = typer.Option(False, "--admin", help="Make the user a site admin."),
) -> None:
    """Create an account, its address taken as confirmed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils import timezone

    from paperwire.community.models import Profile

    email = email_address(email)
    user_model = get_user_model()
    if user_model.objects.filter(username=email).exists():
        console.print(f"[red]{email} already has an account[/red]")
        raise typer.Exit(1)
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        validate_password(password)
    except ValidationError as e:
        console.print(f"[red]{' '.join(e.messages)}[/red]")
        raise typer.Exit(2) from None
    with transaction.atomic():
        user = user_model(username=email, email=email, is_staff=admin, is_superuser=admin)
        user.set_password(password)
        user.save()
        Profile.objects.create(user=user, display_name=email.split("@")[0][:50],
                               email_verified_at=timezone.now())
    console.print(f"{'admin' if admin else 'user'} {email} created")


@user_app.command("token")
def token(
    email: str,
    name: str = typer.Option("cli", help="A name to recognise the token by."),
    expires_in_days: int = typer.Option(
        0, "--expires-in-days", min=0, max=36_500,
        help="Days the token works for; 0 (the default): until revoked."),
) -> None:
    """Print a new API token for the account (shown once; only its hash is kept). It
    works until revoked, it expires, or the account's password changes."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from paperwire.community.models import ApiToken

    email = email_address(email)
    user = get_user_model().objects.filter(username=email, is_active=True).first()
    if user is None:
        console.print(f"[red]no active account {email}[/red]")
        raise typer.Exit(1)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    print(ApiToken.objects.issue(user, name, expires_at))
