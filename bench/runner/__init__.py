"""``bench run``: runs the HIL suite with pytest and turns the outcome into a complete run directory."""
