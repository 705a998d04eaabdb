"""The ``bench`` command line: ``bench <noun> <verb>``.

Each module in this package that defines a module-level ``command`` (a click command or group)
is added to ``bench`` automatically, so parts of the bench add their nouns without editing main.
"""
