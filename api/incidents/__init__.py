"""Incidents: reports anyone may file, the responses to them, and their timeline."""
