"""Tests of the WSGI adapter and the Flask integration."""
