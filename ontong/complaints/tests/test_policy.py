"""The policy, written down apart from the engine: which role may do what in which state, and
where it leads. Each cell is checked against complaints.workflow, so a wrong entry in
workflow.ACTIONS fails here (and a wrong entry here fails against the engine).

Sources: the roles table of README.md ("역할별로 할 수 있는 일") and 민원 처리에 관한 법률([법]),
its 시행령([영]) and 개인정보 보호법([개보법]) as summarised in shared/docs/minwon-rules.md. Where
README says nothing about a role and an action, the row's comment gives the reason for the cell.
"""

import pytest
from django.db import transaction

from ontong.complaints.models import Complaint, State
from ontong.complaints.workflow import ACTIONS, WorkflowError, perform, perform_automatic
from ontong.org.models import Department

from .test_workflow import in_state, params_for

# Columns in this order. In a cell, who may act on a case of 도로과 (접수 cases have no department):
#   t 접수담당   a 민원총괄   o 도로과 부서담당자   m 도로과 부서관리자   . nobody
# Other departments' staff (교통과 담당자·관리자) and 홍보 may do nothing anywhere.
STATES = "접수 배정 처리중 결재대기 결재완료 통보완료 종결 보완요청 이송 반려 취하"
POLICY = """
action            접수 배정 처리중 결재대기 결재완료 통보완료 종결 보완요청 이송 반려 취하  →
assign            ta   .    .      .        .        .        .    .        .    .    .     배정
reassign          .    tam  tam    .        .        .        .    tam      .    .    .     배정
start             .    aom  .      .        .        .        .    .        .    .    .     처리중
record_action     .    .    aom    .        .        .        .    .        .    .    .     -
request_info      .    aom  aom    .        .        .        .    .        .    .    .     보완요청
resume            .    .    .      .        .        .        .    aom      .    .    .     처리중
submit            .    .    aom    .        .        .        .    .        .    .    .     결재대기
return_draft      .    .    .      am       .        .        .    .        .    .    .     처리중
revise_draft      .    .    .      am       .        .        .    .        .    .    .     -
approve           .    .    .      am       .        .        .    .        .    .    .     결재완료
notify            .    .    .      .        aom      .        .    .        .    .    .     통보완료
close             .    .    .      .        .        taom     .    .        .    .    .     종결
mark_duplicate    ta   tam  tam    .        .        .        .    .        .    .    .     종결
close_spam        ta   .    .      .        .        .        .    .        .    .    .     종결
transfer          ta   tam  tam    .        .        .        .    .        .    .    .     이송
reject            a    am   am     .        .        .        .    am       .    .    .     반려
withdraw          ta   taom taom   taom     taom     .        .    taom     .    .    .     취하
reply             ta   taom taom   taom     taom     taom     .    taom     .    .    .     -
set_kind          ta   taom taom   taom     taom     .        .    taom     .    .    .     -
extend            .    aom  aom    aom      .        .        .    .        .    .    .     -
reopen            .    .    .      .        .        tam      tam  .        .    .    .     처리중
close_repeated    a    am   am     .        .        .        .    am       .    .    .     종결
mark_multi_party  ta   taom taom   taom     taom     taom     .    taom     .    .    .     -
relate            ta   taom taom   taom     taom     taom     taom taom     taom taom taom  -
note              ta   taom taom   taom     taom     taom     taom taom     taom taom taom  -
consult           a    aom  aom    aom      aom      .        .    aom      .    .    .     -
"""
# Why each row is as it is:
# assign, reassign, transfer, withdraw, reply: README gives them to 접수담당; 재배정·이송 also to
#   부서관리자. 재배정 stops once the answer is drafted (it would throw the approved answer away).
# start, record_action, request_info, submit, notify, close: README's 부서담당자 (and so 관리자).
#   보완 요청 and its end (resume): [법] 제22조①, before the answer is written.
# return_draft, approve, reject, reopen, close_repeated: README's 부서관리자 only. 반려 also from
#   보완요청: [영] 제25조 (not supplemented → 반려). close_repeated: [법] 제23조 (its conditions
#   are checked apart, test_workflow.py).
# withdraw: the citizen's right until the case is finished ([법] 제22조②), so any open state; the
#   staff who hear it (접수담당 or the handling department) record it.
# reply, mark_multi_party: talking to the citizen and marking 다수인관련민원([법] 제2조제6호) are
#   part of handling the case, also after the result is notified (the citizen may answer it).
# set_kind: the kind sets the legal period ([영] 제14–17조); whoever handles the case may correct
#   it while it is open, not after the result is notified.
# extend: [영] 제21조, the handling department (or 민원총괄), while the answer is not yet approved.
# mark_duplicate: README's "같은 문제 묶기" (접수담당) and, like 반려·이송, the 부서관리자.
# close_spam: advertising and abuse are not 민원; 접수담당 (and 민원총괄) close them from the 접수함
#   before they reach a department, and nothing is sent to the sender.
# relate: linking related cases changes nothing about either and is allowed in every state.
# note (내부 메모): staff-only words on the case, like relate in every state, by whoever may act
#   on it (and by a department asked for its view, test_notes_and_consultation.py).
# revise_draft: the approver's edit of the draft before 결재 (부서관리자, 민원총괄).
# consult (협조 요청): the handling department (or 민원총괄) asks another department for its view
#   while the case is open; the case stays where it is.
# close, reopen: also 접수담당, who sends most results on the citizen's channel and hears the
#   citizen's answer there ("아직 안 고쳐졌어요" → 다시 처리); README says so.
ROLE_USERS = {"t": "triage", "a": "admin", "o": "road", "m": "road_mgr"}
NEVER = ("traffic", "traffic_mgr", "pr")

# Labels without spaces, so that a table row splits on them ("결재 대기" is 결재대기 here).
STATE_BY_LABEL = {str(State(s).label).replace(" ", ""): State(s) for s in State.values}
COLUMNS = [STATE_BY_LABEL[label] for label in STATES.split()]


def parse(table: str) -> dict[str, tuple[dict[State, set[str]], State | None]]:
    rows = {}
    for line in table.strip().splitlines()[1:]:
        action, *cells, target = line.split()
        assert len(cells) == len(COLUMNS), action
        who = {
            state: {ROLE_USERS[c] for c in cell if c != "."}
            for state, cell in zip(COLUMNS, cells, strict=True)
        }
        rows[action] = (who, None if target == "-" else STATE_BY_LABEL[target])
    return rows


RULES = parse(POLICY)


class Undo(Exception):
    """Raised to roll one attempt back, so every role tries the same case."""


def attempt(complaint: Complaint, action: str, user, other: Complaint) -> tuple[str, str]:
    """('ok', state after) or ('refused', the reason), with the attempt rolled back."""
    params = params_for(action, complaint) | {"duplicate_of": other, "related": other}
    outcome = None
    try:
        with transaction.atomic():
            try:
                done = perform(complaint, action, user, **params)
                outcome = ("ok", done.state)
            except WorkflowError as error:
                outcome = ("refused", str(error))
            raise Undo
    except Undo:
        pass
    assert outcome is not None
    return outcome


def test_the_policy_has_a_row_for_every_action_of_the_engine():
    assert set(RULES) == set(ACTIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(RULES))
def test_each_role_may_do_what_the_policy_says_in_each_state(action, staff, new_complaint):
    other = in_state(
        new_complaint("다른 민원"), State.IN_PROGRESS, "도로과"
    )  # duplicate_of, related
    who, target = RULES[action]
    disagreements = []
    for state in COLUMNS:
        complaint = in_state(new_complaint(), state, None if state == State.RECEIVED else "도로과")
        for username in [*ROLE_USERS.values(), *NEVER]:
            result, detail = attempt(complaint, action, staff[username], other)
            if username in who[state]:
                if action == "close_repeated":  # allowed, then 법 제23조's own conditions apply
                    ok = result == "refused" and "제23조" in detail
                else:
                    ok = result == "ok" and detail == (target or state)
            elif who[state]:  # open in this state, not to this role
                ok = result == "refused" and "권한" in detail
            else:
                ok = result == "refused" and "현재 상태" in detail
            if not ok:
                disagreements.append(f"{action} · {State(state).label} · {username}: {detail}")
            unchanged = Complaint.objects.get(pk=complaint.pk)
            assert unchanged.state == state and not unchanged.events.filter(action=action)
    assert disagreements == []


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(set(RULES) - {"assign"}))
def test_only_assignment_may_be_automatic(action, city, new_complaint):
    """[개보법] 제37조의2: closing, rejecting, transferring… are decided by a person."""
    complaint = in_state(new_complaint(), State.RECEIVED, None)
    with pytest.raises(WorkflowError, match="사람만"):
        perform_automatic(complaint, action, "자동", **params_for(action, complaint))


@pytest.mark.django_db
def test_assignment_may_be_automatic(city, new_complaint):
    complaint = in_state(new_complaint(), State.RECEIVED, None)
    road = Department.objects.get(name="도로과")
    done = perform_automatic(complaint, "assign", "자동 배정 (신뢰도 0.9)", department=road)
    assert (done.state, done.department) == (State.ASSIGNED, road)
