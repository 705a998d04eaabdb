"""``python -m bench.cli`` runs the ``bench`` command (handy where the console script is not on PATH)."""

from bench.cli.main import main

main()
