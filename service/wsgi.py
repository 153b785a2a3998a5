"""The WSGI entry point gunicorn serves (see the Procfile)."""

from service.app import create_app

app = create_app()
