"""Which resources a profile needs, in start order.

Each part of the emulated lab adds its resources here; ``endpoints`` is filled as resources are
planned (serial links, emulator ports) so later resources and drivers can find earlier ones.
Importing this module registers every resource kind (needed to tear down from a state file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.lab.emulab import EmuLab
from bench.lab.resource import Resource
from bench.lab.serial_pair import SerialPair
from bench.lab.switch import SwitchResource
from bench.nodes.resources import plan_nodes
from bench.profile.models import Profile
from bench.store.events import EventLog


def plan_resources(profile: Profile, lab_dir: Path, endpoints: dict[str, Any]) -> list[Resource]:
    """The lab's resources for ``profile``; in lab mode, only what real equipment does not provide."""
    resources: list[Resource] = []
    if profile.bench.mode != "emulated":
        return resources
    dev = lab_dir / "dev"
    logs = lab_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    serial: dict[str, dict[str, str]] = {}
    for node in profile.nodes.resolved():
        assert node.name is not None
        pair = SerialPair(
            name=node.name,
            link_a=dev / f"{node.name}-gnss",
            link_b=dev / f"{node.name}-node",
            log_dir=logs,
        )
        serial[node.name] = {"receiver": str(pair.link_a), "node": str(pair.link_b)}
        resources.append(pair)
    endpoints["serial"] = serial
    # the emulated lab server (kernel + GNSS simulator + counters) writes to the receiver ends above
    resources.append(EmuLab("emulab", profile, lab_dir, endpoints))
    # the nodes (process or Podman containers) connect to its kernel port and read the node ends above
    resources.extend(plan_nodes(profile, lab_dir, endpoints, events=_events(endpoints)))
    for name, inst in profile.instruments.items():  # the emulated TSN switch ([tsn-switch])
        if inst.family == "netconf":
            resources.append(SwitchResource(name, lab_dir, ports=profile.network.switch_ports,
                                            rate_bps=profile.network.link_rate_bps, log_dir=logs,
                                            endpoints=endpoints))
    return resources


def _events(endpoints: dict[str, Any]) -> EventLog | None:
    """The run's events log when the lab belongs to a run (node start latencies are recorded there)."""
    path = endpoints.get("events_path")
    return EventLog(Path(path)) if path else None
