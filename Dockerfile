# check=skip=InvalidDefaultArgInFrom
# Every Python image of the system, from one file: the build argument SERVICE picks the workspace
# member installed (`tracker-$SERVICE`) and the stage that says how it runs. Build context: the
# repository root, e.g.
#   docker build --build-arg SERVICE=ingest -t tracker-ingest .
# SERVICE is one of:
#   ingest    validates webhooks and appends them to the Redis event stream (port 8001)
#   query     the REST API (port 8002); the same image runs the worker, which applies the
#             event stream to PostgreSQL (port 8007: /health, /ready, /metrics only):
#               docker run -e DATABASE_URL=... -e REDIS_URL=... \
#                 -e HEALTHCHECK_URL=http://127.0.0.1:8007/ready tracker-query \
#                 uvicorn tracker_query.worker:create_app --factory --host 0.0.0.0 --port 8007
#             and the migrations, as a one-shot container:
#               docker run --rm -e DATABASE_URL=... tracker-query python -m tracker_query.migrate
#   realtime  relays task events to WebSocket clients (port 8003)
#   notify    notifications: channels, rules and the delivery log (port 8008), and the loops
#             that deliver them; its migrations (schema `notify`) as a one-shot container:
#               docker run --rm -e DATABASE_URL=... tracker-notify python -m tracker_notify.migrate
#   gateway   the gateway's own processes; the container command picks which one runs:
#             the portal (the default, port 8005): aggregate /health and one OpenAPI document;
#             python -m tracker_gateway.keysync /gateway-keys/api-keys.yml --watch writes the
#             API keys Traefik's key-check plugin uses into /gateway-keys (a volume shared with
#             Traefik); on Kubernetes, python -m tracker_gateway.static_config writes Traefik's
#             static file first (deploy/base/gateway.yaml).
# The dashboard is a different build: web/Dockerfile.
# SERVICE has no default on purpose (the check skipped above would warn of it): a build without
# it fails at once, "base name should not be blank".

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
ARG SERVICE

FROM ghcr.io/astral-sh/uv:0.13.8 AS uv

# ---------------------------------------------------------------------------------------------
# builder: installs the locked dependencies of one workspace member into /app/.venv
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ARG SERVICE
COPY --from=uv /uv /usr/local/bin/uv
# The venv's interpreter is the image's /usr/local/bin/python3.11, identical in both stages.
# Workspace members are installed non-editable (as built wheels), so the runtime stage needs
# the virtualenv only, not the source tree.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app

# The workspace (members libs/*, services/*, gateway, clients/*) only resolves when every
# member's pyproject.toml is present, even those this image does not install.
COPY pyproject.toml uv.lock ./
COPY libs/contracts/pyproject.toml libs/contracts/
COPY libs/localstack/pyproject.toml libs/localstack/
COPY services/ingest/pyproject.toml services/ingest/
COPY services/query/pyproject.toml services/query/
COPY services/realtime/pyproject.toml services/realtime/
COPY services/notify/pyproject.toml services/notify/
COPY gateway/pyproject.toml gateway/
COPY clients/python/pyproject.toml clients/python/

# Third-party dependencies only: this layer is reused until uv.lock or a pyproject changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package tracker-${SERVICE}

# Then the workspace members themselves: the service and tracker-contracts, which every service
# imports. The sources of all services are copied (uv installs only the one asked for, so the
# image holds only its own); rebuilding this layer takes seconds.
COPY libs/contracts/src libs/contracts/src
COPY services/ingest/src services/ingest/src
COPY services/query/src services/query/src
COPY services/realtime/src services/realtime/src
COPY services/notify/src services/notify/src
COPY gateway/src gateway/src
# uv keys its cached build of a local package on its pyproject.toml, not on its sources:
# --reinstall-package rebuilds the members from the sources just copied, so a warm cache
# mount never ships an older build.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package tracker-${SERVICE} \
        --reinstall-package tracker-contracts --reinstall-package tracker-${SERVICE}

# ---------------------------------------------------------------------------------------------
# runtime: the virtualenv and nothing else, run as an unprivileged user
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 tracker \
    && useradd --system --uid 10001 --gid tracker --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tracker
WORKDIR /app
# Owned by root and read-only for the service user; bytecode was compiled at build time.
COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
# Each service stage below sets HEALTHCHECK_URL.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=2)"]

# ---------------------------------------------------------------------------------------------
# One stage per service: its port, health check and command
# ---------------------------------------------------------------------------------------------
FROM runtime AS ingest
ENV HEALTHCHECK_URL=http://127.0.0.1:8001/health
EXPOSE 8001
CMD ["uvicorn", "tracker_ingest.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8001"]

FROM runtime AS query
ENV HEALTHCHECK_URL=http://127.0.0.1:8002/health
EXPOSE 8002
CMD ["uvicorn", "tracker_query.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8002"]

FROM runtime AS realtime
ENV HEALTHCHECK_URL=http://127.0.0.1:8003/health
EXPOSE 8003
# No per-message compression: deflating each small message for each client costs more CPU than
# sending it. The protocol joins the frames sent to one client in one loop turn.
CMD ["uvicorn", "tracker_realtime.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8003", "--ws-ping-interval", "20", "--ws-ping-timeout", "20", "--ws-per-message-deflate", "false", "--ws", "tracker_realtime.websocket_protocol:CoalescingWebSocketsProtocol"]

FROM runtime AS notify
ENV HEALTHCHECK_URL=http://127.0.0.1:8008/health
EXPOSE 8008
CMD ["uvicorn", "tracker_notify.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8008"]

FROM runtime AS gateway
# The key sync's output directory, owned by the service user: a named volume mounted here starts
# as a copy of it, so the unprivileged process can write there.
USER root
RUN install -d -o tracker -g tracker /gateway-keys
USER 10001:10001
# Not /health: it answers 503 while any other service is down, which must not mark the portal
# itself unhealthy. /docs is static HTML.
ENV HEALTHCHECK_URL=http://127.0.0.1:8005/docs
EXPOSE 8005
CMD ["uvicorn", "tracker_gateway.portal.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8005"]

# ---------------------------------------------------------------------------------------------
# The image: the stage of the service named by SERVICE
# ---------------------------------------------------------------------------------------------
FROM ${SERVICE}
