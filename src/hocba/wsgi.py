"""WSGI entry point (gunicorn hocba.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
application = get_wsgi_application()
