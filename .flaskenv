# Read by the `flask` command (through python-dotenv) from this directory: the README's
# `.venv/bin/flask users create-admin`, `flask db upgrade` and `flask jobs …` need nothing else.
# Local overrides belong in .env (see .env.example); the real environment wins over both.
FLASK_APP=api:create_app
