"""The reference node: the system under test in the emulated lab (``python -m bench.node``).

Why this package exists: the bench needs a node that takes time from a GNSS receiver exactly as a real
one does — NMEA on a serial device names the second, the PPS edge gives the phase — and disciplines a
clock, so that every KPI (lock time, steady-state TE, holdover, leap second, time jumps) is exercised
end to end in emulation. Modules, one job each:

- ``clock``      the modelled clock (oscillator offset, random-walk wander, white timestamp noise)
- ``servo``      step + frequency estimate + PI loop and the unlocked/locking/locked/holdover states
- ``timeofday``  UTC labels -> continuous count (leap seconds, week-rollover dates, label choice)
- ``core``       one kernel step: bytes + PPS edges in, own PPS edges + state out (no I/O)
- ``run``        the process: pyserial, the kernel's JSON-lines channel, reconnects, SIGTERM
- ``http``       ``/health``, ``/state`` (JSON), ``/metrics`` (Prometheus) on 127.0.0.1
- ``config``     the ``--config`` JSON, validated with the profile's models

``/state`` carries ``holdover``: ``predicted_te_drift_ns`` (oscillator frequency at entry minus the held
correction, times the elapsed time), ``wander_sigma_ns`` (1-sigma spread the random-walk wander adds) and
``model_te_drift_ns`` (the modelled clock's own TE drift since entry, i.e. what a counter must measure).
On ``bye`` the node closes the channel and reconnects (the kernel may start a new scenario; a tick whose
``k`` goes back restarts the node model); it exits only on SIGTERM/SIGINT.
"""
