"""Typed errors of node deployment, so callers can tell a bad connection from a missing image.

Why: "the node did not come up" has several user-fixable causes (bad URI, ssh refused, no image,
podman misconfigured); each gets its own class and a message that names what, where and the fix.
"""

from __future__ import annotations

from bench.errors import LabError


class NodeError(LabError):
    """A node could not be deployed, started, checked, restarted or stopped."""


class PodmanConnectionError(NodeError):
    """The Podman connection URI is malformed, or the service behind it cannot be reached."""


class ImageMissingError(NodeError):
    """The node image does not exist where the container should run."""
