"""The rule catalogue and the engine that runs it (see `catalogue.py`)."""
