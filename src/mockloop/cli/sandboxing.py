"""`--require-sandbox`: refuse to run candidate code without an OS sandbox (exit 2)."""

from __future__ import annotations

from typing import Annotated

import typer

from mockloop.errors import UserError

RequireSandboxOption = Annotated[
    bool,
    typer.Option(
        "--require-sandbox",
        help="Exit 2 instead of running candidate code without an OS sandbox (bubblewrap). "
        "Config: require_sandbox = true.",
    ),
]


def sandbox_policy(required: bool) -> None:
    """Apply the flag (or the config key); fail now, before any run, if no sandbox is there."""
    from mockloop.config import ConfigError
    from mockloop.sandbox import boundary

    boundary.require_sandbox(required)
    boundary.on_notice(lambda line: typer.echo(f"note: {line}", err=True))
    try:
        boundary.check_required()
    except (boundary.SandboxUnavailable, ConfigError) as exc:
        raise UserError(str(exc)) from None
