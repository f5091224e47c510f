import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
django_application = get_wsgi_application()

from ontong.channels.meta.ingest import WebhookIngest  # noqa: E402 - needs the settings loaded
from ontong.web.fastpoll import FastPoll  # noqa: E402 - needs the settings loaded

# Signed Meta webhooks are stored before Django's request handling (decision 0002); an inbox
# poll whose ticket still holds is answered "nothing new" there too (decision 0004).
application = FastPoll(WebhookIngest(django_application))
