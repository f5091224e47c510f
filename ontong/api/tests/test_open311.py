"""Open311 GeoReport v2: the spec's resources and formats, errors, and the round trip."""

import json
from xml.etree import ElementTree as ET

import pytest

from ontong.api.models import ApiCall
from ontong.complaints.models import Attachment, Complaint

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own response, in a test


def test_discovery_names_the_spec_and_formats(client):
    data = client.get(f"{BASE}/discovery.json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml",
        "application/json",
    ]


def test_services_as_in_the_spec_example(client, city):
    services = client.get(f"{BASE}/services.json").json()
    # The spec's fields for each service.
    assert set(services[0]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert {s["service_code"] for s in services} >= {"grievance", "suggestion", "inquiry"}
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and root[0].tag == "service"
    assert root.find("service/metadata").text == "true"
    assert root.find("service/type").text == "realtime"
    # No extension: XML, the spec's required format.
    assert xml(client.get(f"{BASE}/services")).tag == "services"


def test_service_definition_attributes(client, city):
    data = client.get(f"{BASE}/services/grievance.json").json()
    assert data["service_code"] == "grievance"
    area = next(a for a in data["attributes"] if a["code"] == "area")
    assert area["datatype"] == "singlevaluelist" and len(area["values"]) == 15
    assert set(area) >= {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
    }
    root = xml(client.get(f"{BASE}/services/grievance.xml"))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None
    missing = client.get(f"{BASE}/services/nothing.json")
    assert missing.status_code == 404
    assert missing.json() == [
        {"code": 404, "description": "service_code 'nothing'를 찾을 수 없습니다."}
    ]
    root = xml(client.get(f"{BASE}/services/nothing.xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404"


def post(client, key, fmt="json", **fields):
    data = {
        "api_key": key,
        "service_code": "grievance",
        "lat": "36.784660",
        "long": "126.450180",
        "description": "동문동 인도 블록이 깨져 있어 넘어질 뻔했습니다.",
        "jurisdiction_id": "seosan.go.kr",
        **fields,
    }
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_post_errors_in_the_spec_format(client, api_key, city):
    assert post(client, "").status_code == 403
    assert post(client, "").json()[0]["code"] == 403
    read_only = api_key("triage")
    assert post(client, read_only).status_code == 403
    key = api_key("triage", can_create=True)
    no_place = post(client, key, lat="", long="")
    assert no_place.status_code == 400 and "위치" in no_place.json()[0]["description"]
    assert post(client, key, service_code="nothing").status_code == 404
    assert post(client, key, description="").status_code == 400
    assert post(client, key, lat="abc").status_code == 400
    assert post(client, key, media_url="file:///etc/passwd").status_code == 400
    root = xml(post(client, key, fmt="xml", service_code=""))
    assert root.tag == "errors" and root.find("error/code").text == "400"
    assert Complaint.objects.count() == 0


def test_post_with_address_contact_consent_and_media(client, api_key, city):
    key = api_key("triage", can_create=True, can_read=False)
    response = post(
        client,
        key,
        lat="",
        long="",
        address_string="서산시 동문동 123",
        email="citizen@example.com",
        first_name="길동",
        last_name="홍",
        media_url="https://example.com/photo.jpg",
        **{"attribute[contact_consent]": "true", "attribute[area]": "4421051000"},
    )
    assert response.status_code == 201, response.content
    created = response.json()[0]
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    c = Complaint.objects.get(receipt_no=created["service_request_id"])
    assert c.citizen.email == "citizen@example.com" and c.citizen.name == "홍길동"
    assert c.address == "서산시 동문동 123" and c.kind == "고충"
    assert "https://example.com/photo.jpg" in c.body
    # Without consent the contact is not kept.
    second = post(client, key, email="other@example.com").json()[0]
    other = Complaint.objects.get(receipt_no=second["service_request_id"])
    assert other.citizen.email == "" and "저장하지 않았습니다" in second["service_notice"]
    # tokens/{token}
    token = client.get(f"{BASE}/tokens/{created['token']}.json", {"api_key": key})
    assert token.status_code == 403  # a create-only key may not read
    reader = api_key("triage")
    token = client.get(f"{BASE}/tokens/{created['token']}.json", {"api_key": reader}).json()
    assert token == [{"service_request_id": c.receipt_no, "token": created["token"]}]
    assert client.get(f"{BASE}/tokens/nope.json", {"api_key": reader}).status_code == 404
    # The key is audited, and the log keeps no api_key.
    assert ApiCall.objects.filter(action="requests", status=201).count() == 2
    assert not ApiCall.objects.filter(path__contains="api_key").exists()


def test_get_requests_filters(client, api_key, city):
    key = api_key("triage", can_create=True)
    first = post(client, key).json()[0]["service_request_id"]
    post(client, key, service_code="suggestion", description="공원에 그늘막을 설치해 주세요.")
    reader = api_key("triage")
    get = lambda **p: client.get(f"{BASE}/requests.json", {"api_key": reader, **p})  # noqa: E731
    assert get().status_code == 200 and len(get().json()) == 2
    assert [r["service_code"] for r in get(service_code="suggestion").json()] == ["suggestion"]
    assert len(get(status="open").json()) == 2 and get(status="closed").json() == []
    assert get(status="pending").status_code == 400
    assert get(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00Z").json() == []
    assert get(start_date="yesterday").status_code == 400
    assert [r["service_request_id"] for r in get(service_request_id=first).json()] == [first]
    row = get(service_request_id=first).json()[0]
    # Every field of the spec's GET requests example.
    assert set(row) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    assert row["requested_datetime"].endswith("+09:00") and row["lat"] == 36.78466
    root = xml(client.get(f"{BASE}/requests.xml", {"api_key": reader}))
    assert root.tag == "service_requests" and len(root.findall("request")) == 2
    assert client.get(f"{BASE}/requests.json").status_code == 403  # reading needs a key
    # A 도로과 key sees only 도로과's requests (none yet: both are unassigned).
    assert client.get(f"{BASE}/requests.json", {"api_key": api_key("road")}).json() == []


def test_jurisdiction_id(client, settings, city):
    settings.ONTONG_OPEN311_JURISDICTION = "seosan.go.kr"
    assert (
        client.get(f"{BASE}/services.json", {"jurisdiction_id": "seosan.go.kr"}).status_code == 200
    )
    assert client.get(f"{BASE}/services.json").status_code == 200
    other = client.get(f"{BASE}/services.json", {"jurisdiction_id": "elsewhere.gov"})
    assert other.status_code == 404 and other.json()[0]["code"] == 404


def test_round_trip_post_get_answer_in_the_staff_ui_get_closed(client, api_key, staff):
    """An Open311 client posts a request, reads it open, the city answers on the staff pages
    (assign → start → submit → approve → notify), and the client reads it closed with the answer."""
    from django.test import Client

    from ontong.org.models import Department

    key = api_key("triage", can_create=True)
    reader = api_key("triage")
    receipt = post(client, key).json()[0]["service_request_id"]
    before = client.get(f"{BASE}/requests/{receipt}.json", {"api_key": reader}).json()[0]
    assert before["status"] == "open" and before["status_notes"] == "접수"

    road = Department.objects.get(name="도로과").pk
    answer = "깨진 보도블록을 12월 3일 교체했습니다. 불편을 드려 죄송합니다."
    steps = [
        ("triage", "assign", {"department": road}),
        ("road", "start", {}),
        ("road", "submit", {"answer": answer}),
        ("road_mgr", "approve", {}),
        ("road", "notify", {}),
    ]
    for who, action, data in steps:
        staff_client = Client()
        staff_client.force_login(staff[who])
        response = staff_client.post(f"/complaints/{receipt}/act/{action}/", data)
        assert response.status_code == 302, (action, response.content)
    assert Complaint.objects.get(receipt_no=receipt).state == "notified"

    after = client.get(f"{BASE}/requests/{receipt}.json", {"api_key": reader}).json()[0]
    assert after["status"] == "closed"
    assert after["status_notes"] == answer
    assert after["agency_responsible"] == "도로과"
    root = xml(client.get(f"{BASE}/requests/{receipt}.xml", {"api_key": reader}))
    assert root.find("request/status").text == "closed"
    assert root.find("request/status_notes").text == answer
    closed = client.get(f"{BASE}/requests.json", {"api_key": reader, "status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [receipt]
    assert client.get(f"{BASE}/requests/2000-000001.json", {"api_key": reader}).status_code == 404


def test_public_read_shows_no_text_and_no_exact_place(client, api_key, settings, city):
    key = api_key("triage", can_create=True)
    receipt = post(client, key, description="010-1234-5678로 연락 주세요. 동문동 인도 파손").json()[
        0
    ]["service_request_id"]
    assert client.get(f"{BASE}/requests.json").status_code == 403  # off by default
    settings.ONTONG_OPEN311_PUBLIC_READ = True
    row = client.get(f"{BASE}/requests/{receipt}.json").json()[0]
    assert row["description"] == "" and row["lat"] is None and row["long"] is None
    assert row["status"] == "open" and row["service_code"] == "grievance"
    assert "1234" not in json.dumps(row, ensure_ascii=False)
    # With a key, the key's view as before.
    assert (
        client.get(f"{BASE}/requests/{receipt}.json", {"api_key": api_key("triage")})
        .json()[0]["description"]
        .startswith("010-****-5678")
    )
    # The public feed is limited per address.
    statuses = [client.get(f"{BASE}/requests.json").status_code for _ in range(61)]
    assert statuses[:59] == [200] * 59 and statuses[-1] == 429


@pytest.mark.django_db(transaction=True)
def test_a_real_open311_client_reads_services_and_requests(live_server, api_key, city, settings):
    """georeport (PyPI), a GeoReport v2 client, against this server over HTTP, JSON and XML."""
    from django.test import Client
    from georeport import GeoReport

    settings.ONTONG_OPEN311_PUBLIC_READ = True
    receipt = post(Client(), api_key("triage", can_create=True)).json()[0]["service_request_id"]
    for output in ("json", "xml"):
        client = GeoReport(f"{live_server.url}/open311/v2", output_format=output)
        services = client.get_service_list()
        assert "grievance" in {s["service_code"] for s in services}
        definition = client.get_service_definition("grievance")
        assert definition["service_code"] == "grievance"
        found = client.get_service_requests(service_code="grievance", status="open")
        found = found if isinstance(found, list) else [found]  # xmltodict: one item is a dict
        assert [r["service_request_id"] for r in found] == [receipt]
        assert client.get_service_request(receipt)["status"] == "open"


def test_xml_stays_well_formed_with_control_characters_and_markup(client, api_key, city):
    """Anything echoed into the XML (account_id, a service_code in an error, a title) may carry
    characters XML 1.0 cannot hold: the document must still parse, and markup stays text."""
    key = api_key("triage", can_create=True)
    created = xml(post(client, key, fmt="xml", account_id="a\x01b<c>&d\x0b\ufffe"))
    assert created.find("request/account_id").text == "ab<c>&d"
    error = xml(client.get(f"{BASE}/requests.xml", {"api_key": key, "service_code": "x\x02<y>"}))
    assert "x<y>" in error.find("error/description").text


def test_dates_at_the_edge_of_the_calendar_are_refused_not_a_server_error(client, api_key, city):
    key = api_key("triage")
    for name, value in [
        ("start_date", "0001-01-01T00:00:00+09:00"),
        ("end_date", "9999-12-31T23:59:59-09:00"),
        ("start_date", "0001-01-01T00:00:00"),
    ]:
        response = client.get(f"{BASE}/requests.json", {"api_key": key, name: value})
        assert response.status_code == 400, (name, value, response.status_code)
        assert name in response.json()[0]["description"]


@pytest.fixture
def photo_host():
    from ontong.channels.kakao.tests.helpers import FakeKakao

    host = FakeKakao().start()
    yield host
    host.stop()


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 90, 200)).save(out, "PNG")
    return out.getvalue()


def test_a_media_url_photo_is_fetched_in_the_background_and_kept(
    client, api_key, city, photo_host, run_tasks, settings
):
    settings.ONTONG_MEDIA_URL_ALLOW_PRIVATE = True  # the test's photo host is on loopback
    photo_host.files["/p.png"] = ("image/png", png())
    key = api_key("triage", can_create=True)
    assert post(client, key, media_url=f"{photo_host.base_url}/p.png").status_code == 201
    run_tasks()
    photo = Attachment.objects.get()
    assert photo.file and photo.content_type == "image/png" and not photo.fetch_error
    assert photo.message.direction == "in"


def test_a_media_url_inside_the_network_or_not_https_is_refused_and_recorded(
    client, api_key, city, run_tasks, settings
):
    settings.ONTONG_MEDIA_URL_ALLOW_PRIVATE = False
    key = api_key("triage", can_create=True)
    for url in ("https://127.0.0.1/x.png", "https://169.254.169.254/latest", "http://a.example/"):
        assert post(client, key, media_url=url).status_code == 201
    run_tasks()
    refused = Attachment.objects.order_by("pk")
    assert [bool(a.file) for a in refused] == [False, False, False]
    assert "내부·사설 주소" in refused[0].fetch_error and "https" in refused[2].fetch_error
    for photo in refused:
        event = photo.complaint.events.get(action="photo_refused")
        assert "사진을 받지 못했습니다" in event.note
        assert not photo.complaint.messages.filter(direction="out", body__contains="사진").exists()
