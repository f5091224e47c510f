"""The REST API: keys, scopes, department scope, masking, actions, schema, audit."""

import datetime as dt

import pytest
from django.utils import timezone

from ontong.api import keys
from ontong.api.models import ApiCall, ApiKey
from ontong.complaints.models import Event

pytestmark = pytest.mark.django_db


def test_no_key_wrong_key_revoked_and_expired_keys_are_refused(call, api_key, road_case):
    road_case()
    assert call("get", "/api/complaints").status_code == 401
    assert call("get", "/api/complaints", "ont_deadbeef_nothing").status_code == 401
    good = api_key("admin")
    assert call("get", "/api/complaints", good).status_code == 200
    wrong_secret = good[: good.index("_", 4) + 1] + "x" * 43
    assert call("get", "/api/complaints", wrong_secret).status_code == 401
    revoked = api_key("admin")
    ApiKey.objects.filter(prefix=revoked.split("_")[1]).update(revoked_at=timezone.now())
    assert call("get", "/api/complaints", revoked).status_code == 401
    expired = api_key("admin", expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert call("get", "/api/complaints", expired).status_code == 401
    # The header form works too.
    assert call("get", "/api/areas", None, headers={"X-API-Key": good}).status_code == 200


def test_secret_is_stored_only_hashed(api_key):
    text = api_key("admin")
    key = ApiKey.objects.get()
    assert text.split("_", 2)[2] not in key.secret_hash
    assert len(key.secret_hash) == 64 and key.prefix in text


def test_a_road_key_cannot_read_traffic_cases(call, api_key, road_case):
    road = road_case("도로과")
    traffic = road_case("교통과", body="교통신호등이 고장났어요")
    road_key = api_key("road")
    listed = call("get", "/api/complaints", road_key).json()["items"]
    assert [i["receipt_no"] for i in listed] == [road.receipt_no]
    assert call("get", f"/api/complaints/{traffic.receipt_no}", road_key).status_code == 404
    assert call("get", f"/api/complaints/{road.receipt_no}", road_key).status_code == 200
    # A central account's key narrowed to 도로과 sees only 도로과's cases too.
    from ontong.org.models import Department

    narrowed = api_key("admin", department=Department.objects.get(name="도로과"))
    listed = call("get", "/api/complaints", narrowed).json()["items"]
    assert [i["receipt_no"] for i in listed] == [road.receipt_no]
    assert call("get", f"/api/complaints/{traffic.receipt_no}", narrowed).status_code == 404


def test_a_read_key_cannot_act_and_an_act_key_acts_with_its_accounts_permissions(
    call, api_key, road_case
):
    c = road_case("도로과")
    read_only = api_key("road")
    refused = call("post", f"/api/complaints/{c.receipt_no}/actions/start", read_only, json={})
    assert refused.status_code == 403
    c.refresh_from_db()
    assert c.state == "assigned"
    actor = api_key("road", can_act=True)
    done = call("post", f"/api/complaints/{c.receipt_no}/actions/start", actor, json={})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "in_progress"
    assert Event.objects.filter(complaint=c, action="start").get().actor.username == "road"
    # An officer may not approve: the same check as the staff page.
    call(
        "post",
        f"/api/complaints/{c.receipt_no}/actions/submit",
        actor,
        json={"answer": "보수했습니다."},
    )
    approve = call("post", f"/api/complaints/{c.receipt_no}/actions/approve", actor, json={})
    assert approve.status_code == 403
    # Not in this state: 400 with the reason.
    close = call("post", f"/api/complaints/{c.receipt_no}/actions/close", actor, json={})
    assert close.status_code == 400 and "할 수 없습니다" in close.json()["detail"]
    # A traffic key acting on a road case: not found.
    traffic = api_key("traffic", can_act=True)
    assert (
        call("post", f"/api/complaints/{c.receipt_no}/actions/start", traffic, json={}).status_code
        == 404
    )


def test_personal_data_masked_as_on_the_staff_pages(call, api_key, road_case):
    c = road_case("도로과")
    triage = call("get", f"/api/complaints/{c.receipt_no}", api_key("triage")).json()
    assert triage["personal_data_masked"] is True
    assert triage["citizen"] == {
        "name": "홍*동",
        "phone": "010-****-5678",
        "email": "",
        "contact_consent": True,
    }
    assert "010-1234-5678" not in str(triage)
    assert not Event.objects.filter(complaint=c, action="personal_data_viewed").exists()
    road = call("get", f"/api/complaints/{c.receipt_no}", api_key("road")).json()
    assert road["personal_data_masked"] is False
    assert road["citizen"]["phone"] == "010-1234-5678"
    viewed = Event.objects.get(complaint=c, action="personal_data_viewed")
    assert viewed.actor.username == "road" and "API" in viewed.note
    assert [e["action"] for e in road["timeline"]] == ["received", "assign"]
    # Lists mask titles for everyone, as the staff lists do.
    c.title = "010-1234-5678로 연락 주세요"
    c.save(update_fields=["title"])
    listed = call("get", "/api/complaints", api_key("road")).json()["items"]
    assert listed[0]["title"] == "010-****-5678로 연락 주세요"


def test_create_needs_the_create_scope_and_goes_through_receive_complaint(call, api_key, city):
    body = {
        "body": "수석동 가로등이 꺼져 있어요. 주민번호 900101-1234567",
        "kind": "건의",
        "area_code": "",
        "name": "김민원",
        "phone": "010-2222-3333",
        "contact_consent": False,
    }
    assert call("post", "/api/complaints", api_key("triage"), json=body).status_code == 403
    created = call("post", "/api/complaints", api_key("triage", can_create=True), json=body)
    assert created.status_code == 201, created.content
    from ontong.complaints.models import Complaint

    c = Complaint.objects.get(receipt_no=created.json()["receipt_no"])
    assert "900101" not in c.body and c.channel == "phone" and c.kind == "건의"
    assert c.citizen.phone == ""  # no consent: the contact is not kept
    assert c.due_at is not None
    assert (
        call(
            "post",
            "/api/complaints",
            api_key("triage", can_create=True),
            json={**body, "kind": "x"},
        ).status_code
        == 400
    )


def test_filters_search_and_cursor_pagination(call, api_key, road_case):
    cases = [road_case("도로과", body=f"가로등 고장 {n}") for n in range(5)]
    cases.append(road_case("교통과", body="신호등 고장"))
    key = api_key("admin")
    seen, cursor = [], ""
    while True:
        page = call("get", f"/api/complaints?limit=2&cursor={cursor}", key).json()
        seen += [i["receipt_no"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(c.receipt_no for c in cases) and len(seen) == 6
    from ontong.org.models import Department

    traffic = Department.objects.get(name="교통과").pk
    only = call("get", f"/api/complaints?department={traffic}", key).json()["items"]
    assert [i["receipt_no"] for i in only] == [cases[-1].receipt_no]
    found = call("get", "/api/complaints?q=신호등", key).json()["items"]
    assert [i["receipt_no"] for i in found] == [cases[-1].receipt_no]
    assert call("get", "/api/complaints?state=nonsense", key).status_code == 400
    assert call("get", "/api/complaints?cursor=%%%", key).status_code == 400


def test_reports_give_the_numbers_of_the_reports_page(call, api_key, road_case, client, staff):
    road_case("도로과")
    road_case("교통과")
    data = call("get", "/api/reports", api_key("admin")).json()
    assert data["total"]["received"] == 2
    assert {r["department"]: r["received"] for r in data["rows"]} == {"도로과": 1, "교통과": 1}
    road = call("get", "/api/reports", api_key("road")).json()
    assert road["total"]["received"] == 1


def test_departments_and_areas(call, api_key, city):
    from ontong.org.models import Department

    key = api_key("admin")
    names = {d["name"] for d in call("get", "/api/departments", key).json()}
    assert "도로과" in names and "교통과" in names
    road_only = api_key("admin", department=Department.objects.get(name="도로과"))
    assert {d["name"] for d in call("get", "/api/departments", road_only).json()} >= {"도로과"}
    assert "교통과" not in {d["name"] for d in call("get", "/api/departments", road_only).json()}
    areas = call("get", "/api/areas", key).json()
    assert len(areas) == 15 and all(a["code"] for a in areas)


def test_every_call_is_audited_with_key_action_and_ip(call, api_key, road_case):
    c = road_case()
    key = api_key("admin")
    call("get", f"/api/complaints/{c.receipt_no}", key, REMOTE_ADDR="198.51.100.7")
    call("get", "/api/complaints", "ont_abcdef12_wrong")
    logged = list(ApiCall.objects.order_by("id"))
    assert [(x.action, x.status, x.ip) for x in logged] == [
        ("complaint_detail", 200, "198.51.100.7"),
        ("complaint_list", 401, "127.0.0.1"),
    ]
    assert logged[0].key.prefix == key.split("_")[1] and logged[1].key_prefix == "abcdef12"


def test_per_key_rate_limit(call, api_key, city):
    key = api_key("admin", rate="3/m")
    statuses = [call("get", "/api/areas", key).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert (
        call("get", "/api/areas", api_key("admin")).status_code == 200
    )  # another key's own budget


def test_openapi_schema_validates_and_docs_are_served(client):
    from openapi_spec_validator import validate

    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["info"]["title"] == "온통 API"
    assert "/api/complaints" in schema["paths"]
    assert schema["paths"]["/api/complaints"]["get"]["summary"] == "민원 목록"
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_create_with_an_external_id_is_not_duplicated_by_a_retry(call, api_key, city):
    from ontong.complaints.models import Complaint

    key = api_key("triage", can_create=True)
    body = {"body": "수석동 가로등이 꺼져 있어요", "external_id": "CALL-2026-0042"}
    first = call("post", "/api/complaints", key, json=body)
    again = call("post", "/api/complaints", key, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["receipt_no"] == again.json()["receipt_no"]
    assert Complaint.objects.count() == 1
    # Another key's own numbering is its own.
    other = call("post", "/api/complaints", api_key("triage", can_create=True), json=body)
    assert other.status_code == 201 and Complaint.objects.count() == 2


HOSTILE = [
    "\x00",
    "' OR 1=1 --",
    "9" * 40,
    "-1",
    "2026-13-45",
    "<script>",
    "%00",
    "../../etc",
    "가" * 500,
]


def test_hostile_parameters_answer_without_a_server_error(call, api_key, road_case, client):
    c = road_case()
    key = api_key("admin", can_act=True, can_create=True)
    for value in HOSTILE:
        for name in [
            "q",
            "state",
            "department",
            "channel",
            "area",
            "overdue",
            "date_from",
            "cursor",
            "limit",
        ]:
            response = call("get", "/api/complaints", key, data={name: value})
            assert response.status_code in {200, 400, 422}, (name, value, response.status_code)
        for name in ["start", "end"]:
            assert call("get", "/api/reports", key, data={name: value}).status_code in {
                200,
                400,
                422,
            }
        assert call("get", f"/api/complaints/{value}", key).status_code in {400, 404}
        response = call(
            "post",
            f"/api/complaints/{c.receipt_no}/actions/assign",
            key,
            json={"department": value},
        )
        assert response.status_code in {400, 422}, (value, response.status_code)
        response = call(
            "post",
            f"/api/complaints/{c.receipt_no}/actions/extend",
            key,
            json={"reason": value, "new_due": value},
        )
        assert response.status_code in {400, 422}, (value, response.status_code)
        response = call("post", "/api/complaints", key, json={"body": value, "area_code": value})
        assert response.status_code in {201, 400, 422}, (value, response.status_code)
        for path in [
            "requests.json",
            f"requests/{value}.json",
            f"tokens/{value}.json",
            f"services/{value}.json",
        ]:
            response = client.get(
                f"/open311/v2/{path}",
                {
                    "api_key": key,
                    "service_request_id": value,
                    "start_date": value,
                    "status": value,
                    "service_code": value,
                },
            )
            assert response.status_code in {200, 400, 404}, (path, value, response.status_code)
        response = client.post(
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "service_code": "grievance",
                "lat": value,
                "long": value,
                "description": value,
                "attribute[area]": value,
                "media_url": value,
                "address_string": value,
            },
        )
        assert response.status_code in {201, 400}, (value, response.status_code)


def test_a_consulted_departments_key_reads_that_case_masked_and_logged(
    call, api_key, road_case, staff
):
    """협조 요청: as on the staff page, the asked department reads the one case, masked, and the
    look is in the case's access log; the case stays out of its statistics."""
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    c = road_case("도로과")
    key = api_key("traffic")
    assert call("get", f"/api/complaints/{c.receipt_no}", key).status_code == 404
    perform(c, "start", staff["road"])
    perform(
        c,
        "consult",
        staff["road"],
        consult_department=Department.objects.get(name="교통과").pk,
        text="신호 체계 의견 주세요",
    )
    seen = call("get", f"/api/complaints/{c.receipt_no}", key)
    assert seen.status_code == 200
    assert (
        seen.json()["personal_data_masked"] is True and "010-1234-5678" not in seen.content.decode()
    )
    assert Event.objects.filter(
        complaint=c, action="consult_viewed", actor=staff["traffic"]
    ).exists()
    assert not Event.objects.filter(complaint=c, action="personal_data_viewed").exists()
    assert call("get", "/api/reports", key).json()["total"]["received"] == 0


def test_a_forged_cursor_is_refused_not_a_server_error(call, api_key, road_case):
    import base64
    import json

    road_case()
    key = api_key("admin")

    def cursor(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    for forged in [
        ["0001-01-01T00:00:00+09:00", 1],  # before year 1 in UTC
        ["9999-12-31T23:59:59-09:00", 1],  # after year 9999 in UTC
        ["2026-11-30T11:11:05", 1],  # no time zone
        ["2026-11-30T11:11:05+00:00", 10**30],  # no database integer is this big
        ["2026-11-30T11:11:05+00:00", -1],
        {"a": 1, "b": 2},
        "x",
    ]:
        response = call("get", "/api/complaints", key, data={"cursor": cursor(forged)})
        assert response.status_code == 400, (forged, response.status_code)


def test_made_up_keys_are_limited_per_address_and_do_not_flood_the_call_log(call, api_key, city):
    """Every call with a key is logged, refused ones too: without a limit, anyone could write
    rows into the call log as fast as they can send made-up keys."""
    statuses = [
        call("get", "/api/areas", f"ont_{n:08x}_guess").status_code
        for n in range(keys.BAD_KEY_LIMIT + 5)
    ]
    assert statuses[: keys.BAD_KEY_LIMIT] == [401] * keys.BAD_KEY_LIMIT
    assert set(statuses[keys.BAD_KEY_LIMIT :]) == {429}
    assert ApiCall.objects.count() == keys.BAD_KEY_LIMIT
    # A real key from the same address still works.
    assert call("get", "/api/areas", api_key("admin")).status_code == 200


def test_the_call_log_is_purged_after_its_keeping_days_by_the_worker(settings):
    from ontong.web.sweeps import maintenance_jobs

    settings.ONTONG_API_CALL_KEEP_DAYS = 30
    calls = [
        ApiCall.objects.create(method="GET", path=f"/api/{n}", status=200, ip="203.0.113.9")
        for n in range(3)
    ]
    now = timezone.now()
    for call, age in zip(calls, (31, 29, 400), strict=True):
        ApiCall.objects.filter(pk=call.pk).update(created_at=now - dt.timedelta(days=age))
    assert keys.purge_old_calls() == 2
    assert list(ApiCall.objects.values_list("path", flat=True)) == ["/api/1"]
    job = next(j for j in maintenance_jobs(60) if j.name == "purge_api_calls")
    assert job.run() == 0
