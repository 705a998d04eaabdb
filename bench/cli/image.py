"""``bench image build``: build the reference-node container image locally (no registry needed)."""

from __future__ import annotations

import click

from bench.cli._output import console, print_json
from bench.nodes.image import DEFAULT_IMAGE, build_image
from bench.nodes.session import podman_session


@click.group("image")
def command() -> None:
    """The reference-node container image."""


@command.command("build")
@click.option("--tag", default=DEFAULT_IMAGE, show_default=True, help="image name:tag")
@click.option("--connection", default=None,
              help="Podman connection URI (unix:// or ssh://user@host[:port]/path); default: this host")
@click.option("--identity-env", default=None, help="env var holding the ssh key file path (ssh:// only)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def build(tag: str, connection: str | None, identity_env: str | None, as_json: bool) -> None:
    """Build the node image FROM scratch; it bind-mounts the host's Python and this repo at run time."""
    with podman_session(connection, identity_env) as client:
        result = build_image(client, tag)
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(f"built [bold]{result.tag}[/] ({result.image_id[:12]}, {result.size_bytes} bytes) "
                      f"in {result.build_s:.2f} s")
        console.print(f"  runs {result.python}; bind-mounts read-only: {', '.join(result.host_mounts)}")
