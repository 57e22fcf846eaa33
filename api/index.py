"""Vercel entry point: the Python runtime imports this file and serves its WSGI `app`.

`vercel.json` rewrites every path to /api/index, so Flask sees the original path and routes it.
The app is built once per function instance, at import.
"""

from api import create_app

app = create_app()
