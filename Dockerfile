# Multi-stage build: wheels in a builder, a slim non-root runtime.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    ICBT_ENV=production ICBT_HOST=0.0.0.0 ICBT_PORT=8000 ICBT_WORKERS=4 \
    ICBT_DATA_DIR=/srv/icbt
RUN useradd --create-home --uid 10001 icbt
WORKDIR /srv/icbt
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY alembic.ini ./
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY modules_content ./modules_content
COPY escalation ./escalation
COPY locale ./locale
RUN mkdir -p data && chown icbt:icbt data
USER icbt
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# `icbt serve` checks the configuration, runs the migrations, then starts the workers.
CMD ["icbt", "serve"]
