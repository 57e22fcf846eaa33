# taskdesk as a container: gunicorn serving api:create_app() for teams that run containers
# instead of Lambda. Secrets and DATABASE_URL come from the environment at run time, never from
# the image (see docker-compose.yml). Build: docker build -t taskdesk .
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /build
COPY requirements.txt .
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

FROM python:3.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TASKDESK_ENV=production \
    TASKDESK_NO_DOTENV=1 \
    FLASK_APP=api:create_app

RUN groupadd --system --gid 10001 taskdesk \
    && useradd --system --uid 10001 --gid taskdesk --home-dir /app --shell /usr/sbin/nologin taskdesk

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=root:root api ./api
COPY --chown=root:root gunicorn.conf.py ./

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "--config", "gunicorn.conf.py", "api:create_app()"]
