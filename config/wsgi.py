import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Without Redis the background jobs run in this process: start its worker threads, which first pick up what
# an earlier process left queued or interrupted.
from assessments.runner import start_at_boot  # noqa: E402 - needs the application set up

start_at_boot()
