"""Time-sensitive traffic on the bench network: endpoints, cyclic and load traffic, deadline KPIs.

``tunnel`` attaches to a switch port (emulated: a UDP tunnel port), ``clock`` maps a node's
disciplined local time to true simulated time, ``traffic`` sends critical cyclic frames and
best-effort load in simulated-time windows and timestamps arrivals, ``kpi`` turns the arrival
records into deadline adherence, latency percentiles, jitter and loss.
"""
