# The SMS gateway simulator (stands in for Netgsm's REST v2 API), for the compose stack only:
#   docker build -f deploy/docker/sms-gateway-sim.Dockerfile -t acikkapi/sms-gateway-sim .
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY shared shared
COPY services services
COPY cli cli
COPY simulators simulators
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN uv sync --frozen --no-dev --no-editable --package acikkapi-sms-gateway-sim

FROM python:3.11-slim
RUN useradd --uid 10001 --create-home acikkapi && mkdir /data && chown acikkapi /data
COPY --from=build /src/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH
USER 10001
EXPOSE 8025
CMD ["python", "-m", "sms_gateway_sim", "--host", "0.0.0.0", "--port", "8025", "--store", "/data/messages.jsonl"]
