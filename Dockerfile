# Production image: gunicorn serves the app; the same image runs migrations and the task worker.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CALLSHEET_VAR_DIR=/srv/var

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /srv callsheet

WORKDIR /srv/app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=callsheet:callsheet . .
RUN mkdir -p /srv/var/private && chown -R callsheet:callsheet /srv/var \
    && DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
       python manage.py collectstatic --noinput --verbosity 0

USER callsheet
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket", "jobboard.wsgi"]
