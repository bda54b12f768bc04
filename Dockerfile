# Sozialraum application image: gunicorn serving wsgi:app as an unprivileged user.
#
#   docker build -t sozialraum .
#   docker run -e SECRET_KEY=... -e REDIS_URL=... -e DATABASE_URL=... -p 5000:5000 sozialraum
#
# docker-compose.yml runs it with PostgreSQL and Redis (migrations first, then gunicorn).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PORT=5000 \
    WEB_CONCURRENCY=2

# The locked production dependencies first (requirements.lock: no test tools, those are in
# requirements-dev.lock), in their own layer: code changes do not reinstall them.
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && pip install --require-hashes -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock

WORKDIR /app
COPY . /app

# Catalogs are compiled in the image (*.mo files are not committed). The code stays owned by
# root and read-only for the app; only instance/ (default SQLite location) is writable.
RUN pybabel compile -d translations \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home sozialraum \
    && mkdir -p /app/instance \
    && chown sozialraum:sozialraum /app/instance

USER sozialraum
EXPOSE 5000

# Shell form for ${PORT}; exec so gunicorn is PID 1 and receives the stop signal.
# Worker count: WEB_CONCURRENCY (read by gunicorn itself).
CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:${PORT:-5000} --access-logfile - wsgi:app"]
