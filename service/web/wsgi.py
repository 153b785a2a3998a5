"""The WSGI entry point gunicorn serves (see the Procfile)."""

from service.web.app import create_app

app = create_app()
