"""Time-error capture: PPS meter readings streamed per node into the run's sample store."""

from bench.capture.loop import CaptureStats, NodeCapture
from bench.capture.session import CaptureSet, start_captures

__all__ = ["CaptureSet", "CaptureStats", "NodeCapture", "start_captures"]
