"""Template texts a city can submit to Kakao's review (검수) as they are: informational, one per
kind of notice, using only variables Ontong fills (variables.VARIABLES). The demo installs them
as approved; a city enters what Kakao actually approved in the admin (AlimtalkTemplate)."""

SUGGESTED: dict[str, tuple[str, str]] = {
    # purpose: (template code, text)
    "result": (
        "ONTONG_RESULT",
        "[#{기관명}] 민원 처리 결과 안내\n\n접수번호: #{접수번호}\n#{처리결과}\n\n"
        "자세한 내용: #{상태링크}",
    ),
    "progress": (
        "ONTONG_PROGRESS",
        "[#{기관명}] 민원 처리 중간 안내\n\n접수번호: #{접수번호}\n예상 처리기한: #{처리기한}\n"
        "담당: #{담당자}\n\n진행 상황: #{상태링크}",
    ),
    "transfer": (
        "ONTONG_TRANSFER",
        "[#{기관명}] 민원 이송 안내\n\n접수번호: #{접수번호}\n이송 기관: #{이송기관}\n"
        "사유: #{사유}\n\n진행 상황: #{상태링크}",
    ),
    "extension": (
        "ONTONG_EXTENSION",
        "[#{기관명}] 민원 처리기간 연장 안내\n\n#{알림내용}\n\n진행 상황: #{상태링크}",
    ),
    "info_request": (
        "ONTONG_INFO_REQUEST",
        "[#{기관명}] 민원 보완 요청\n\n#{알림내용}\n\n진행 상황: #{상태링크}",
    ),
    "status_link": (
        "ONTONG_STATUS_LINK",
        "[#{기관명}] 민원 처리 현황 조회 안내\n\n#{알림내용}",
    ),
    "followed_result": (
        "ONTONG_FOLLOWED",
        "[#{기관명}] 따라가신 민원의 처리 완료 안내\n\n#{알림내용}",
    ),
    "reject": ("ONTONG_REJECT", "[#{기관명}] 민원 처리 안내\n\n#{알림내용}"),
    "reply": ("ONTONG_REPLY", "[#{기관명}] 민원 #{접수번호} 담당자 답변\n\n#{알림내용}"),
}
