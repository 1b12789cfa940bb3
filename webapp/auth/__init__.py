"""Signing in and out: Flask-Login sessions shared by the pages and the API."""
