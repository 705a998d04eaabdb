"""The emulated GNSS simulator: an SCPI server (GSG-6 command set) that plays each node's receiver.

See docs/simulation.md and docs/gnss-emulator.md for the model, the faults and the SCPI subtree.
"""
