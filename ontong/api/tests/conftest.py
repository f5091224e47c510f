import pytest


@pytest.fixture
def api_key(staff):
    """make(user_role, **fields) → the full key text, for the staff member of that role."""
    from ontong.api.keys import create_key

    def make(role="admin", **fields):
        user = staff[role] if isinstance(role, str) else role
        _, text = create_key(f"시험 {role}", user, **fields)
        return text

    return make


@pytest.fixture
def call(client):
    def call(method, path, key=None, **kwargs):
        headers = kwargs.pop("headers", {}) | ({"Authorization": f"Bearer {key}"} if key else {})
        if "json" in kwargs:
            kwargs["data"] = kwargs.pop("json")
            kwargs["content_type"] = "application/json"
        return getattr(client, method)(path, headers=headers, **kwargs)

    return call


@pytest.fixture
def road_case(new_complaint, staff):
    """A case assigned to 도로과 and one assigned to 교통과 (by 접수담당, through the workflow)."""
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    def make(
        department="도로과", body="읍내동 사거리에 포트홀이 생겼어요. 연락처 010-1234-5678", **kw
    ):
        c = new_complaint(
            body=body, name="홍길동", phone="010-1234-5678", contact_consent=True, **kw
        )
        return perform(
            c, "assign", staff["triage"], department=Department.objects.get(name=department).pk
        )

    return make
