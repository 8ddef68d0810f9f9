"""`paperwire backup PATH` and `paperwire restore PATH`."""

from __future__ import annotations

from pathlib import Path

import typer

from paperwire.cli import app, console


@app.command()
def backup(path: Path = typer.Argument(..., help="File to write the backup to.")) -> None:
    """Back up the database while the site runs (SQLite online backup, or pg_dump)."""
    from django.conf import settings

    from paperwire.lib.backup import BackupError
    from paperwire.lib.backup import backup as write_backup

    try:
        write_backup(settings.DATABASES["default"], path)
    except BackupError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    console.print(f"backed up to {path} ({path.stat().st_size:,} bytes)")


@app.command()
def restore(
    path: Path = typer.Argument(..., help="A file written by `paperwire backup`."),
    force: bool = typer.Option(False, "--force",
                               help="Overwrite a database that already holds data."),
) -> None:
    """Restore a backup into the configured database (stop the site first)."""
    from django.conf import settings
    from django.db import connections

    from paperwire.lib.backup import BackupError
    from paperwire.lib.backup import restore as read_backup

    connections.close_all()
    try:
        read_backup(settings.DATABASES["default"], path, force=force)
    except BackupError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None
    # A backup from an older release is brought up to this one's schema.
    from paperwire.cli import migrate

    migrate()
    console.print(f"restored {path}")
