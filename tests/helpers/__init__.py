"""Helpers shared by the tests (``from helpers.<module> import ...``; ``tests`` is on
the import path through ``pythonpath`` in pytest.ini)."""
