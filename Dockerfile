# The line's image: one image, two processes, as the Procfile has them.
#   docker run IMAGE            the webhooks (signpost web: the Procfile's web line)
#   docker run IMAGE worker     the follow-up sender (the Procfile's worker line)
# Not built by the tests (the machine they run on has no container engine); what they
# do check is listed in the README, "Running it for real".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The state folder made here, owned by the user, so a volume mounted on it is theirs too.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin signpost \
    && mkdir /home/signpost/state && chown signpost: /home/signpost/state

COPY pyproject.toml README.md Procfile ./
COPY flows ./flows
COPY messages ./messages
COPY service ./service
RUN python -m pip install .

# Nothing the line runs needs root; the opt-out journal goes in the user's home.
USER signpost
ENV PORT=5000 \
    SIGNPOST_STATE_DIR=/home/signpost/state
EXPOSE 5000

# Healthy while the web process answers; /healthz stays 200 with Redis away, saying so.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '5000'), timeout=3)"]

ENTRYPOINT ["signpost"]
CMD ["web"]
