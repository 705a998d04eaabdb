"""NMEA 0183 input of the bench: the robust time-fix parser, and hypothesis strategies to fuzz it.

Why a package of its own: the reference node, ``bench nmea decode`` and the fuzzing campaign must all
read receiver bytes with exactly the same rules, so the rules live in one place (``parser``), and the
generators that attack them (``strategies``) live beside it.
"""
