"""hilbench: a hardware-in-the-loop test bench for GPS-disciplined, time-critical systems.

The package holds the core (profiles, lab lifecycle, emulated lab, analysis, KPI engine, run
store, reports, CLI). Instrument drivers live in the sibling package ``drivers`` and the pytest
plugin in ``fixtures``; the import direction is one-way: fixtures -> bench -> drivers.
"""

__version__ = "0.1.0"
