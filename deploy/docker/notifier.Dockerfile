# The notifier service, built from the workspace (context: the repository root):
#   docker build -f deploy/docker/notifier.Dockerfile -t acikkapi/notifier .
# Its dependencies only, from uv.lock; the acikkapi CLI is included (replay, audit, redrive in the pod).
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY shared shared
COPY services services
COPY cli cli
COPY simulators simulators
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN uv sync --frozen --no-dev --no-editable --package acikkapi-notifier --package acikkapi-cli

FROM python:3.11-slim
RUN useradd --uid 10001 --create-home acikkapi && mkdir /data && chown acikkapi /data
COPY --from=build /src/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    ACIKKAPI_HTTP_HOST=0.0.0.0 \
    ACIKKAPI_DATA_DIR=/data \
    ACIKKAPI_LOG_JSON=true
USER 10001
WORKDIR /app
EXPOSE 8004
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8004/healthz', timeout=2)"
CMD ["python", "-m", "notifier"]
