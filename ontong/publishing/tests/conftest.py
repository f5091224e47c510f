import pytest
from django.contrib.auth.models import Permission

from ontong.channels.meta.models import MetaAccount
from ontong.devtools.meta_emulator import Emulator
from ontong.org.models import Role

PAGE, IG, TOKEN = "200000000000001", "17841400000000777", "desk-token"


@pytest.fixture
def emulator():
    emu = Emulator(
        page_id=PAGE,
        app_secret="x",
        token=TOKEN,
        instagram_id=IG,
        webhook_url="http://127.0.0.1:9/",
    )
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def accounts(city, emulator, settings):
    settings.ONTONG_GRAPH_TIMEOUT = 2
    url = emulator.base_url + "/v25.0"
    page = MetaAccount.objects.create(
        kind="page", external_id=PAGE, name="서산시", page_token=TOKEN, graph_url=url
    )
    ig = MetaAccount.objects.create(
        kind="instagram", external_id=IG, name="서산시 인스타", page_token=TOKEN, graph_url=url
    )
    return {"page": page, "ig": ig}


@pytest.fixture
def desk(city, make_user):
    writer = make_user("writer", Role.PR, department="공보담당관")
    approver = make_user("approver", Role.PR, department="공보담당관")
    approver.user_permissions.add(Permission.objects.get(codename="approve_post"))
    return {"writer": writer, "approver": approver}
