"""AWS Lambda entry points: `http` (API Gateway, ALB, Function URL) and `jobs` (schedules, migrate).

Importing the package prepares a Lambda sandbox before any handler module builds the app:
bundled dependencies on sys.path, settings from SSM and Secrets Manager (handlers/environment.py).
Outside Lambda it does nothing.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from handlers.environment import prepare

if TYPE_CHECKING:
    from flask import Flask

prepare()


def build_app() -> Flask:
    """Build this container's app with the cyclic garbage collector paused, then frozen.

    create_app() imports most of taskdesk and its libraries; the collector would otherwise run
    some 200 collections over objects that live as long as the container (about 60 ms of a cold
    start). `gc.freeze()` moves them to the permanent generation so later collections skip them.
    """
    gc.disable()
    try:
        from api import create_app

        return create_app()
    finally:
        gc.freeze()
        gc.enable()
