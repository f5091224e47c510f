"""'민원으로 보이는 댓글' in Debian's chromium with axe's checks: the filter link keeps the
comments that look like complaints, each marked, and one opens a case in one click."""

import pytest
from django.utils import timezone

from ontong.channels.meta.models import Comment
from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS

from .test_insights import published

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_filtering_comments_that_look_like_complaints(
    open_page, desk, accounts, emulator, monkeypatch
):
    post = published(desk, accounts, monkeypatch)
    fb = post.targets.get(kind="facebook")
    texts = ["동문동 아파트 앞 가로등이 꺼져 있어요 고쳐 주세요", "축제 사진 너무 예뻐요 👍"]
    for n, text in enumerate(texts):
        Comment.objects.create(
            account=accounts["page"],
            comment_id=f"{fb.remote_id}_c{n}",
            post_id=fb.remote_id,
            from_id=f"user-{n}",
            from_name="시민",
            message=text,
            created_time=timezone.now(),
        )
    page = open_page(f"/publishing/posts/{post.pk}/", user="writer")
    comments = page.locator("[data-testid=post-comments] > li")
    assert comments.count() == 2
    page.get_by_role("link", name="민원으로 보이는 댓글 (1)").click()
    page.get_by_text("모든 댓글 (2)").wait_for()
    assert comments.count() == 1 and texts[0] in comments.first.inner_text()
    assert comments.first.locator("[data-testid=looks-complaint]").inner_text() == "민원으로 보임"
    check_accessibility(page, "comments that look like complaints")
