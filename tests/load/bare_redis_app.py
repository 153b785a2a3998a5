"""The bare yardstick plus one Redis round trip per webhook, as a module-level ``app``
so any WSGI server can load it by name (see bare_app.app_with_redis)."""

from tests.load.bare_app import app_with_redis

app = app_with_redis()
