"""The lab: every emulated part (or real address) as a resource with one lifecycle."""

from bench.lab.lab import Lab, LabState
from bench.lab.resource import Resource, ResourceState

__all__ = ["Lab", "LabState", "Resource", "ResourceState"]
