"""Emulated managed TSN switch (802.1Q priorities, 802.1Qbv gates, impairments, NETCONF).

The kernel on bench hosts has no taprio/netem/VLAN devices, so the switch is a user-space program
(``python -m bench.emu.switch``): UDP tunnel ports on 127.0.0.1 (``wire``), a pure timing model in
simulated time (``model``, ``gcl``), a data plane that orders input by simulated time
(``dataplane``), and a NETCONF management plane (``yang``, ``control``, ``netconf``).
"""
