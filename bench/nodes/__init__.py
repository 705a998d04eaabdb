"""Nodes under test as lab resources: one interface, a plain-process backend and a Podman backend.

Why a package: a bench run deploys each node of the profile the same way whatever runs it (a child
process here, a container on this host, a container on a remote host over ``ssh://``), tears it down
from recorded state, measures how fast it came up and can restart it as a fault. See docs/podman.md.
"""

from __future__ import annotations

# bench.lab imports its plan, which imports bench.nodes.resources: load bench.lab first so that importing
# any bench.nodes module on its own never meets a half-initialised module
import bench.lab  # noqa: F401, I001
from bench.nodes.backend import NodeBackend, StartTiming
from bench.nodes.errors import ImageMissingError, NodeError, PodmanConnectionError
from bench.nodes.launch import NodeLaunch

__all__ = [
    "ImageMissingError", "NodeBackend", "NodeError", "NodeLaunch", "PodmanConnectionError", "StartTiming",
]
