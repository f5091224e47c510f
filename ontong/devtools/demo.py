"""The demo city: 서산시's organisation, staff for every role, and complaints in every state."""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from ontong import geo
from ontong.channels.alimtalk.models import AlimtalkConfig, AlimtalkTemplate
from ontong.channels.kakao.models import KakaoBot
from ontong.channels.meta.models import MetaAccount
from ontong.complaints.models import Channel, Complaint, Kind, Satisfaction, SavedReply
from ontong.complaints.services import Intake, receive_complaint
from ontong.complaints.workflow import perform
from ontong.devtools.kakao_emulator import KakaoEmulator
from ontong.org.models import ROLE_GROUPS, Area, Department, Role, User
from ontong.org.services import load_city_fixture
from ontong.publishing.models import Post, PostEvent, Target
from ontong.routing.dayone import DEMO_PRESET, load_preset

DEMO_PASSWORD = "ontong-demo"  # noqa: S105 - printed for the local demo only

STAFF = [
    ("admin", "민원총괄", "김총괄", "민원봉사과", [Role.ADMIN], True),
    ("triage", "접수담당", "이접수", "온통서산팀", [Role.TRIAGE], False),
    ("pr", "홍보 (게시 승인권자)", "박홍보", "공보담당관", [Role.PR], False),
    ("pr_writer", "홍보 (작성자)", "서홍보", "공보담당관", [Role.PR], False),
    ("road", "도로과 담당자", "최도로", "도로과", [Role.OFFICER], False),
    ("road_mgr", "도로과 관리자", "정도로", "도로과", [Role.MANAGER], False),
    ("traffic", "교통과 담당자", "강교통", "교통과", [Role.OFFICER], False),
    ("traffic_mgr", "교통과 관리자", "조교통", "교통과", [Role.MANAGER], False),
    ("waste", "자원순환과 담당자", "윤순환", "자원순환과", [Role.OFFICER], False),
    ("waste_mgr", "자원순환과 관리자", "장순환", "자원순환과", [Role.MANAGER], False),
    ("water", "맑은물관리과 담당자", "임맑은", "맑은물관리과", [Role.OFFICER], False),
    ("water_mgr", "맑은물관리과 관리자", "한맑은", "맑은물관리과", [Role.MANAGER], False),
]

# (text, department, 읍면동, kind)
SAMPLES = [
    (
        "읍내동 시청 앞 사거리 횡단보도 옆 도로에 포트홀이 크게 생겼어요. 어제 저녁에 차가 덜컹했습니다.",
        "도로과",
        "부춘동",
        Kind.OTHER,
    ),
    (
        "동문동 주공아파트 앞 가로등이 일주일째 꺼져 있어 밤길이 무섭습니다.",
        "도로과",
        "동문1동",
        Kind.OTHER,
    ),
    (
        "해미읍성 앞 도로에 고라니 사체가 있습니다. 빨리 치워 주세요.",
        "도로과",
        "해미면",
        Kind.OTHER,
    ),
    (
        "석남동 초등학교 앞 인도 보도블록이 깨져서 아이들이 넘어질 것 같아요.",
        "도로과",
        "석남동",
        Kind.OTHER,
    ),
    (
        "눈이 많이 왔는데 성연면 일반산업단지 진입로 제설이 안 되어 출근길이 위험합니다.",
        "도로과",
        "성연면",
        Kind.OTHER,
    ),
    (
        "호수공원 주변 불법 주정차 때문에 버스가 못 지나갑니다. 단속 부탁드립니다.",
        "교통과",
        "수석동",
        Kind.OTHER,
    ),
    (
        "대산읍에서 시내로 가는 버스 배차 간격이 너무 길어요. 출퇴근 시간만이라도 늘려 주세요.",
        "교통과",
        "대산읍",
        Kind.SUGGESTION,
    ),
    (
        "화물차가 밤마다 아파트 옆 도로에 밤샘주차를 해서 시야가 가립니다.",
        "교통과",
        "동문2동",
        Kind.OTHER,
    ),
    ("공영주차장 요금 정산기가 카드를 인식하지 못합니다.", "교통과", "부춘동", Kind.OTHER),
    (
        "음암면 마을 입구에 대형폐기물이 몇 주째 무단투기되어 있습니다.",
        "자원순환과",
        "음암면",
        Kind.OTHER,
    ),
    ("분리배출 요일이 바뀌었다는데 어디서 확인하나요?", "자원순환과", "석남동", Kind.INQUIRY),
    ("음식물 쓰레기 수거가 이번 주에 안 되어 냄새가 심해요.", "자원순환과", "동문1동", Kind.OTHER),
    ("운산면 하천변에 누가 쓰레기를 태우고 있어요.", "자원순환과", "운산면", Kind.OTHER),
    (
        "지곡면 우리 마을 상수도가 아침부터 단수입니다. 언제 복구되나요?",
        "맑은물관리과",
        "지곡면",
        Kind.OTHER,
    ),
    ("아파트 앞 맨홀에서 하수 냄새가 올라옵니다.", "맑은물관리과", "수석동", Kind.OTHER),
    ("도로에서 물이 계속 새어 나와요. 수도관 누수 같습니다.", "맑은물관리과", "부석면", Kind.OTHER),
    (
        "수도요금이 지난달보다 세 배나 나왔는데 검침이 잘못된 것 같습니다.",
        "맑은물관리과",
        "팔봉면",
        Kind.GRIEVANCE,
    ),
    ("대산공단 쪽에서 밤마다 악취가 심하게 납니다.", "기후환경대기과", "대산읍", Kind.OTHER),
    ("공사장 소음이 새벽 6시부터 시작돼요.", "기후환경대기과", "동문2동", Kind.OTHER),
    ("공원 놀이터 그네 줄이 끊어져 있어요.", "산림공원과", "석남동", Kind.OTHER),
    ("가로수 가지가 전선에 닿아 있어 위험해 보입니다.", "산림공원과", "인지면", Kind.OTHER),
    ("경로당 난방비 지원 신청은 어떻게 하나요?", "사회복지과", "고북면", Kind.INQUIRY),
    (
        "시청 누리집에 민원 결과 알림을 문자로도 받을 수 있게 해 주세요.",
        "민원봉사과",
        "부춘동",
        Kind.SUGGESTION,
    ),
    (
        "교차로 신호등 주기가 너무 짧아 어르신들이 건너기 어렵습니다.",
        None,
        "수석동",
        Kind.SUGGESTION,
    ),
    ("아파트 관리비 부과가 이상합니다.", "주택과", "동문1동", Kind.GRIEVANCE),
]

# How far along each demo complaint goes, cycling so that every state is present.
PATHS = [
    [],
    [],
    ["assign"],
    ["assign", "start"],
    ["assign", "start", "record_action"],
    ["assign", "start", "submit"],
    ["assign", "start", "submit", "approve"],
    ["assign", "start", "submit", "approve", "notify"],
    ["assign", "start", "submit", "approve", "notify", "close"],
    ["assign", "start", "request_info"],
    ["transfer"],
    ["assign", "reject"],
    ["withdraw"],
    ["assign", "start", "submit", "return_draft"],
    ["assign", "reassign"],
]
NAMES = ["홍길동", "김민지", "이서준", "박지우", "최하은", "정도윤", "강서연", ""]


def create_staff() -> list[tuple[str, str]]:
    logins = []
    departments = {d.name: d for d in Department.objects.all()}
    for username, title, name, dept, roles, superuser in STAFF:
        user, _ = User.objects.get_or_create(username=username)
        user.last_name, user.first_name = name[0], name[1:]
        user.department = departments.get(dept)
        user.work_phone = f"041-660-{random.Random(username).randint(2000, 2999)}"  # noqa: S311
        user.is_staff = user.is_superuser = superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set(Group.objects.filter(name__in=[ROLE_GROUPS[r] for r in roles]))
        logins.append((username, title))
    User.objects.get(username="pr").user_permissions.add(
        Permission.objects.get(codename="approve_post")
    )
    return logins


def actor_for(action: str, dept_name: str | None) -> User:
    role_user = {
        "assign": "triage",
        "transfer": "triage",
        "withdraw": "triage",
        "reassign": "triage",
    }
    if action in role_user or not dept_name:
        return User.objects.get(username=role_user.get(action, "admin"))
    prefix = {
        "도로과": "road",
        "교통과": "traffic",
        "자원순환과": "waste",
        "맑은물관리과": "water",
    }.get(dept_name)
    if prefix is None:
        return User.objects.get(username="admin")
    manager_actions = {"approve", "return_draft", "reject"}
    return User.objects.get(username=f"{prefix}_mgr" if action in manager_actions else prefix)


def action_params(action: str, dept: Department | None, text: str) -> dict[str, Any]:
    other = Department.objects.filter(name="도로과").first()
    params: dict[str, dict[str, Any]] = {
        "assign": {"department": dept},
        "reassign": {
            "department": other if dept != other else Department.objects.get(name="교통과"),
            "reason": "현장 확인 결과 소관 부서가 달라 재배정합니다.",
        },
        "record_action": {"text": "현장을 확인했고 보수 업체에 작업을 요청했습니다."},
        "request_info": {"text": "정확한 위치(건물명이나 가까운 상호)를 알려 주시겠어요?"},
        "submit": {
            "answer": f"말씀하신 '{text[:20]}…' 건은 현장 확인 후 조치를 마쳤습니다. 불편을 드려 죄송합니다."
        },
        "return_draft": {"reason": "조치 일자와 향후 계획을 답변에 넣어 주세요."},
        "transfer": {"agency": "서산경찰서", "reason": "교통신호 운영은 경찰서 소관입니다."},
        "reject": {
            "reason": "사인 간 권리관계에 관한 사항으로 민원처리법 제21조에 따라 처리하지 않습니다."
        },
        "withdraw": {"reason": "민원인이 전화로 취하를 요청했습니다."},
    }
    return params.get(action, {})


def pin_in(area_name: str | None, rng: random.Random) -> tuple[Decimal | None, Decimal | None]:
    """A point inside the 읍면동's boundary (from the shipped file), as a citizen's pin."""
    for name, polygons in geo.boundaries(settings.ONTONG_MAP_BOUNDARIES):
        if name != area_name:
            continue
        outer = max((p[0] for p in polygons), key=len)
        xs, ys = [x for x, _ in outer], [y for _, y in outer]
        for _attempt in range(100):
            lng, lat = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
            if geo.area_name_at(lat, lng) == name:
                return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")
    return None, None


@transaction.atomic
def create_complaints(count: int = 50, seed: int = 7) -> int:
    rng = random.Random(seed)
    areas = {a.name: a for a in Area.objects.all()}
    now = timezone.now()
    for index in range(count):
        text, dept_name, area_name, kind = SAMPLES[index % len(SAMPLES)]
        path = PATHS[index % len(PATHS)]
        if dept_name is None:
            path = ["transfer"]
        dept = Department.objects.filter(name=dept_name).first() if dept_name else None
        if dept_name and dept_name not in {"도로과", "교통과", "자원순환과", "맑은물관리과"}:
            path = [step for step in path if step in {"assign", "transfer", "withdraw"}]
        name = NAMES[index % len(NAMES)]
        email = f"citizen{index}@example.kr" if name and index % 3 == 0 else ""
        phone = f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}" if name else ""
        received = now - dt.timedelta(days=(count - index) * 0.8, minutes=rng.randint(0, 600))
        # Two in three put a pin on the map (the staff map has something to show).
        pin = pin_in(area_name, random.Random(seed * 1000 + index)) if index % 3 else (None, None)
        complaint = receive_complaint(
            Intake(
                channel=Channel.WEB,
                body=text,
                kind=kind,
                area=areas.get(area_name),
                name=name,
                phone=phone,
                email=email,
                contact_consent=bool(name),
                external_user_id=f"demo-{index}",
                received_at=received,
                latitude=pin[0],
                longitude=pin[1],
            )
        )
        for action in path:
            params = action_params(action, dept, text)
            complaint = perform(
                complaint,
                action,
                actor_for(action, complaint.department.name if complaint.department else dept_name),
                **params,
            )
    backdate_answers_and_surveys(rng, now)
    return Complaint.objects.count()


def backdate_answers_and_surveys(rng: random.Random, now) -> None:
    """The demo's cases were answered "today" by the loader; spread the answers over the days
    after receipt as real ones would be, and give most of them a survey answer, so that the
    report page shows something real-looking at once."""
    answered = Complaint.objects.filter(answered_at__isnull=False).order_by("pk")
    for complaint in answered:
        when = min(now, complaint.received_at + dt.timedelta(days=rng.uniform(0.5, 16)))
        Complaint.objects.filter(pk=complaint.pk).update(answered_at=when)
        if rng.random() < 0.7:
            Satisfaction.objects.update_or_create(
                complaint=complaint,
                defaults={
                    "score": rng.choice([5, 5, 4, 4, 4, 3, 2]),
                    "channel": complaint.channel,
                    "answered_at": min(now, when + dt.timedelta(hours=rng.uniform(1, 48))),
                },
            )
    first_open = Complaint.objects.filter(state="in_progress").order_by("pk").first()
    if first_open:
        perform(
            first_open,
            "mark_multi_party",
            actor_for("reply", first_open.department.name if first_open.department else None),
            people=23,
            interest="같은 아파트 단지 주민들의 생활 불편",
        )


DEMO_META = {
    "page_id": "100000000000001",
    "instagram_id": "17841400000000001",
    "app_secret": "demo-app-secret",
    "token": "demo-page-token",
    "verify_token": "demo-verify-token",
    "graph_url": "http://127.0.0.1:8001/v25.0",
}


def create_demo_page() -> None:
    """The city's Facebook page, answered through the local Graph API emulator."""
    account, _ = MetaAccount.objects.get_or_create(
        external_id=DEMO_META["page_id"],
        defaults={"kind": MetaAccount.Kind.PAGE, "name": "서산시 (데모 페이지)"},
    )
    account.app_secret, account.page_token = DEMO_META["app_secret"], DEMO_META["token"]
    account.verify_token, account.graph_url = DEMO_META["verify_token"], DEMO_META["graph_url"]
    account.token_invalid_at = None
    account.save()
    instagram, _ = MetaAccount.objects.get_or_create(
        external_id=DEMO_META["instagram_id"],
        defaults={"kind": MetaAccount.Kind.INSTAGRAM, "name": "서산시 인스타그램 (데모)"},
    )
    instagram.page_token, instagram.graph_url = DEMO_META["token"], DEMO_META["graph_url"]
    instagram.app_secret, instagram.page_id = DEMO_META["app_secret"], DEMO_META["page_id"]
    instagram.save()


DEMO_KAKAO = {
    "bot_id": "64f0000000000000000000b0",
    "name": "서산시 민원 챗봇 (데모)",
    "skill_secret": "demo-skill-secret",
    "rest_api_key": "demo-kakao-rest-api-key",
    "event_name": "ontong_notice",
    "bot_api_url": "http://127.0.0.1:8002",
    "channel_url": "http://127.0.0.1:8002/",
    # NHN Cloud 알림톡 (the same emulator serves it)
    "alimtalk_url": "http://127.0.0.1:8002",
    "alimtalk_app_key": "demo-alimtalk-appkey",
    "alimtalk_secret_key": "demo-alimtalk-secret",
    "sender_key": "demo-sender-key",
    "resend_sender_no": "0416602114",
}
# The demo city's 알림톡 templates, "approved" (검수 승인) in the emulator too: (purpose, code, text).
DEMO_ALIMTALK_TEMPLATES = [
    (
        "result",
        "ONTONG_RESULT",
        "[#{기관명}] 민원 처리 결과 안내\n접수번호: #{접수번호}\n담당: #{담당부서}\n\n#{처리결과}\n\n"
        "처리 현황: #{상태링크}",
    ),
    (
        "transfer",
        "ONTONG_TRANSFER",
        "[#{기관명}] 민원 이송 안내\n접수번호: #{접수번호}\n#{이송기관}(으)로 이송했습니다.\n사유: #{사유}",
    ),
    (
        "reject",
        "ONTONG_REJECT",
        "[#{기관명}] 민원 처리 안내\n접수번호: #{접수번호}\n\n#{알림내용}",
    ),
    (
        "extension",
        "ONTONG_EXTENSION",
        "[#{기관명}] 처리기간 연장 안내\n접수번호: #{접수번호}\n새 처리기한: #{처리기한}\n사유: #{사유}",
    ),
    (
        "info_request",
        "ONTONG_INFO",
        "[#{기관명}] 민원 보완 요청\n접수번호: #{접수번호}\n\n#{알림내용}\n\n처리 현황: #{상태링크}",
    ),
    ("status_link", "ONTONG_STATUS_LINK", "[#{기관명}] 민원 처리 현황 조회 안내\n\n#{알림내용}"),
    (
        "followed_result",
        "ONTONG_FOLLOWED",
        "[#{기관명}] 따라가신 민원의 처리 완료 안내\n\n#{알림내용}",
    ),
]
DEMO_KAKAO_TEMPLATES = {
    code: {"content": content, "approved": True} for _p, code, content in DEMO_ALIMTALK_TEMPLATES
}


def create_demo_kakao_bot() -> KakaoBot:
    """The city's 카카오톡 채널 chatbot, served by the local Kakao emulator: the skill secret it
    sends, the Event API through the emulator."""
    bot, _ = KakaoBot.objects.get_or_create(
        bot_id=DEMO_KAKAO["bot_id"], defaults={"name": DEMO_KAKAO["name"]}
    )
    bot.skill_secret = DEMO_KAKAO["skill_secret"]
    bot.rest_api_key = DEMO_KAKAO["rest_api_key"]
    bot.event_name = DEMO_KAKAO["event_name"]
    bot.bot_api_url = DEMO_KAKAO["bot_api_url"]
    bot.channel_url = DEMO_KAKAO["channel_url"]
    bot.event_api_enabled = True
    bot.is_active = True
    bot.save()
    return bot


def demo_kakao_emulator(skill_url: str) -> KakaoEmulator:
    """The Kakao emulator as the demo runs it (`ontong kakao_emulator`): the demo bot's secret,
    REST API key and event name, and the 알림톡 keys and templates load_demo gives the city."""
    return KakaoEmulator(
        bot_id=DEMO_KAKAO["bot_id"],
        skill_url=skill_url,
        skill_secret=DEMO_KAKAO["skill_secret"],
        rest_api_key=DEMO_KAKAO["rest_api_key"],
        event_name=DEMO_KAKAO["event_name"],
        alimtalk_app_key=DEMO_KAKAO["alimtalk_app_key"],
        alimtalk_secret_key=DEMO_KAKAO["alimtalk_secret_key"],
        sender_key=DEMO_KAKAO["sender_key"],
        templates=DEMO_KAKAO_TEMPLATES,
    )


def create_demo_alimtalk() -> None:
    """알림톡 through NHN Cloud's API, served by the same local emulator: the demo keys, the
    sender profile, a 대체문자 number, and approved templates for the notices."""
    config = AlimtalkConfig.current()
    config.enabled = True
    config.provider = "nhn"
    config.base_url = DEMO_KAKAO["alimtalk_url"]
    config.app_key = DEMO_KAKAO["alimtalk_app_key"]
    config.secret_key = DEMO_KAKAO["alimtalk_secret_key"]
    config.sender_key = DEMO_KAKAO["sender_key"]
    config.resend_sender_no = DEMO_KAKAO["resend_sender_no"]
    config.save()
    for purpose, code, content in DEMO_ALIMTALK_TEMPLATES:
        AlimtalkTemplate.objects.update_or_create(
            purpose=purpose,
            defaults={
                "template_code": code,
                "content": content,
                "state": AlimtalkTemplate.State.APPROVED,
            },
        )


POST_TOPICS = [
    (
        "해미읍성 축제 안내",
        "해미읍성 역사체험축제가 이번 주말 열립니다. 가족과 함께 오세요!",
        "해미읍성 축제",
    ),
    (
        "서산 6쪽마늘 직거래 장터",
        "서산 6쪽마늘 직거래 장터가 시청 광장에서 열립니다.",
        "서산 6쪽마늘",
    ),
    (
        "천수만 철새 탐조",
        "천수만에 겨울 철새가 돌아왔습니다. 탐조 시 주의사항을 안내합니다.",
        "천수만 철새",
    ),
    ("도로 보수 공사 안내", "읍내동 일대 도로 보수 공사로 통행이 제한됩니다.", "서산시 교통"),
    ("시민 안전 캠페인", "겨울철 빙판길 안전, 이렇게 지켜요.", "서산 안전"),
    (
        "간월암 일몰 명소",
        "간월암의 일몰을 소개합니다. 물때를 확인하고 방문하세요.",
        "간월암 서산여행",
    ),
]


def create_desk_posts(seed: int = 11) -> int:
    """A few months of the media team's posts: published ones (their numbers come from the
    emulator's insights when the worker collects), and some planned ahead."""
    if Post.objects.exists():
        return Post.objects.count()
    rng = random.Random(seed)
    writer, approver = User.objects.get(username="pr_writer"), User.objects.get(username="pr")
    page = MetaAccount.objects.get(external_id=DEMO_META["page_id"])
    instagram = MetaAccount.objects.get(external_id=DEMO_META["instagram_id"])
    now = timezone.now()
    for index in range(60):
        title, text, tags = POST_TOPICS[index % len(POST_TOPICS)]
        days_ago = 90 - index * 1.5
        hour = rng.choice([8, 9, 12, 12, 18, 19, 20, 21])
        planned = timezone.localtime(now - dt.timedelta(days=days_ago)).replace(
            hour=hour, minute=0, second=0, microsecond=0
        )
        done = planned < now
        post = Post.objects.create(
            title=f"{title} #{index + 1}",
            text=text,
            hashtags=tags,
            planned_at=planned,
            state=Post.State.PUBLISHED if done else Post.State.SCHEDULED,
            created_by=writer,
            approved_by=approver,
        )
        # Posts still to come go to the page only: the demo has no photos for Instagram.
        for account, kind in [(page, "facebook"), (instagram, "instagram")][
            : 1 + (done and index % 2)
        ]:
            Target.objects.create(
                post=post,
                account=account,
                kind=kind,
                state=Target.State.PUBLISHED if done else Target.State.PENDING,
                remote_id=f"{account.external_id}_{index + 1}" if done else "",
                published_at=planned if done else None,
            )
        PostEvent.objects.create(post=post, actor=approver, action="approve")
    Post.objects.create(
        title="연말 불우이웃 돕기 모금",
        text="따뜻한 나눔에 함께해 주세요.",
        created_by=writer,
        planned_at=now + dt.timedelta(days=3),
        state=Post.State.REVIEW,
    )
    return Post.objects.count()


DEMO_SAVED_REPLIES = [
    (None, "감사 인사", "알려 주셔서 고맙습니다. {부서} {담당자}가 처리하겠습니다."),
    (
        None,
        "처리기한 안내",
        "접수번호 {접수번호} 민원은 {처리기한}까지 답변드리겠습니다. 문의: {부서} {담당자}",
    ),
    (
        "도로과",
        "포트홀 보수 완료",
        "말씀하신 곳의 패인 도로를 아스팔트로 메웠습니다. {부서} {담당자}",
    ),
    ("자원순환과", "무단투기 수거", "말씀하신 곳의 쓰레기를 수거하고 단속 안내문을 붙였습니다."),
]


def create_saved_replies() -> int:
    """A few 상용구 so the reply box's Ctrl+K has something to show in the demo."""
    for department, title, body in DEMO_SAVED_REPLIES:
        dept = Department.objects.filter(name=department).first() if department else None
        if department and dept is None:
            continue
        SavedReply.objects.get_or_create(title=title, department=dept, defaults={"body": body})
    return SavedReply.objects.count()


def load_demo() -> dict:
    summary = load_city_fixture()
    summary["function_mapping"] = load_preset(DEMO_PRESET)
    create_demo_page()
    create_demo_kakao_bot()
    create_demo_alimtalk()
    summary["logins"] = create_staff()
    summary["saved_replies"] = create_saved_replies()
    summary["posts"] = create_desk_posts()
    if not Complaint.objects.exists():
        summary["complaints"] = create_complaints()
    else:
        summary["complaints"] = Complaint.objects.count()
    return summary
