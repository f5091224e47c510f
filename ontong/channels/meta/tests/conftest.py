import hashlib
import hmac
import json

import pytest

from ontong.channels.meta.models import MetaAccount
from ontong.devtools.meta_emulator import Emulator

PAGE, IG, SECRET, TOKEN = "111222333", "17841400000000", "s3cret-app", "page-token-1"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def emulator():
    """The Graph API side only; tests feed the citizen's messages through the webhook view."""
    emu = Emulator(
        page_id=PAGE,
        app_secret=SECRET,
        token=TOKEN,
        instagram_id=IG,
        webhook_url="http://127.0.0.1:9/unused",
    ).start()
    yield emu
    emu.stop()


@pytest.fixture
def deliver_and_run(post_webhook, page, run_tasks):
    """Post a signed webhook and run the workers' tasks, whatever the processing concludes."""

    def send(payload):
        assert post_webhook(payload).status_code == 200
        run_tasks()

    return send


@pytest.fixture
def live_emulator(live_server, page):
    """The Graph API emulator wired to the live server's webhook (browser tests)."""
    emu = Emulator(
        page_id=PAGE,
        app_secret=SECRET,
        token=TOKEN,
        webhook_url=live_server.url + "/webhooks/meta/",
    ).start()
    page.graph_url = f"{emu.base_url}/v25.0"
    page.save()
    yield emu
    emu.stop()


@pytest.fixture
def page(city, settings):
    settings.ONTONG_MEDIA_HOSTS = [*settings.ONTONG_MEDIA_HOSTS, "127.0.0.1"]
    account = MetaAccount.objects.create(
        kind="page",
        external_id=PAGE,
        name="서산시",
        app_secret=SECRET,
        verify_token="verify-me",
        page_token=TOKEN,
        comment_rule="keywords",
    )
    MetaAccount.objects.create(
        kind="instagram",
        external_id=IG,
        name="서산시 인스타",
        app_secret=SECRET,
        page_token=TOKEN,
        page_id="",
    )
    return account


@pytest.fixture
def post_webhook(client):
    def post(payload, *, secret=SECRET, raw: bytes | None = None, header=None):
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=True).encode()
        headers = {"X-Hub-Signature-256": header if header is not None else sign(body, secret)}
        return client.post(
            "/webhooks/meta/", data=body, content_type="application/json", headers=headers
        )

    return post


def messaging(*events, obj="page", entry_id=PAGE):
    return {
        "object": obj,
        "entry": [{"id": entry_id, "time": 1764000000000, "messaging": list(events)}],
    }


def text_event(
    psid="u1", mid="m_1", text="가로등이 고장났어요", ts=None, recipient=PAGE, **message
):
    import time

    return {
        "sender": {"id": psid},
        "recipient": {"id": recipient},
        "timestamp": ts or int(time.time() * 1000),
        "message": {"mid": mid, "text": text, **message},
    }
