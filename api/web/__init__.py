"""The server-rendered UI (shared/design.md §5): shared pieces for every domain's `views.py`.

Each domain's HTML blueprint lives next to its JSON one (`api/tasks/views.py` beside
`api/tasks/routes.py`) and calls the same service functions; the app factory registers them
(api/__init__.py `register_web_ui`). This package holds what they share: cookie sessions and
CSRF (`session`), form parsing and service refusals (`forms`), template filters (`filters`),
server-rendered charts (`charts`), the HTML error pages (`errors`) and which requests are the
UI's (`blueprints`). Importing it imports no view.
"""
