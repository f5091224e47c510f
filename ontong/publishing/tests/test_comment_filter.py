"""'민원으로 보이는 댓글': the rules, their measured precision and recall on the labelled
sample (the number in docs/publishing.md), and the filter on a published post's comments."""

import sys
from pathlib import Path

import pytest
from django.utils import timezone

from ontong.channels.meta.models import Comment
from ontong.publishing.comment_signal import looks_like_complaint

from .test_insights import published

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from comment_filter import load, measure  # type: ignore[import-not-found]  # noqa: E402


@pytest.mark.parametrize(
    "text, expected",
    [
        ("석남동 사거리 가로등이 꺼져 있어요", True),
        ("버스가 안 와요 언제 오나요", True),
        ("축제 너무 좋았어요 감사합니다", False),
        ("이런 행사 자주 해 주세요", False),  # a request, but no problem: chatter
        ("", False),
    ],
)
def test_the_rules(text, expected):
    assert looks_like_complaint(text) is expected


def test_precision_and_recall_on_the_labelled_sample():
    result = measure(load())
    assert result["comments"] == 56 and result["complaints"] == 28
    # the figures written in docs/publishing.md
    assert round(result["precision"], 2) == 1.00 and round(result["recall"], 2) == 0.93


@pytest.mark.django_db
def test_the_filter_keeps_the_comments_that_look_like_complaints(
    desk, accounts, monkeypatch, client
):
    post = published(desk, accounts, monkeypatch)
    fb = post.targets.get(kind="facebook")
    for n, text in enumerate(["축제장 앞 도로에 불법 주차가 너무 많아요", "사진 너무 예뻐요 👍"]):
        Comment.objects.create(
            account=accounts["page"],
            comment_id=f"{fb.remote_id}_c{n}",
            post_id=fb.remote_id,
            from_name="시민",
            message=text,
            created_time=timezone.now(),
        )
    client.force_login(desk["writer"])
    everything = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert (
        "사진 너무 예뻐요" in everything and everything.count('data-testid="looks-complaint"') == 1
    )
    assert "민원으로 보이는 댓글 (1)" in everything and "모든 댓글 (2)" in everything
    only = client.get(f"/publishing/posts/{post.pk}/?comments=complaints").content.decode()
    assert "불법 주차" in only and "사진 너무 예뻐요" not in only
