"""Runnable corecors examples: the Items API in FastAPI, Flask and Django, and the demo.

``make demo`` runs ``python -m examples.demo``. The three apps share the item
store and the demo's CORS settings (``examples.items``) so that they behave
identically; each one wires corecors the way users of its framework would.
"""
