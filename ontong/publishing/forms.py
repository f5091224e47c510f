from django import forms
from django.utils.translation import gettext_lazy as _

from ontong.channels.meta.models import MetaAccount
from ontong.channels.web.forms import MultipleFileInput
from ontong.images import ImageRefused, clean_image

from . import video as videos
from .models import MAX_PHOTOS, Post, PostVideo
from .services import FIRST_YEAR, LAST_YEAR, caption_of, limit_problems, target_kind, video_of

MAX_IMAGES = MAX_PHOTOS
MAX_IMAGE_BYTES = 8 * 1024 * 1024


class ImagesField(forms.FileField):
    """Several photos in one input; each is checked in PostForm.clean_images."""

    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        return [f for f in (data if isinstance(data, list | tuple) else [data]) if f]


class PostForm(forms.ModelForm):
    link = forms.URLField(label=_("링크"), required=False, assume_scheme="https")
    accounts = forms.ModelMultipleChoiceField(
        label=_("게시할 계정"),
        queryset=MetaAccount.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    blog_name = forms.CharField(
        label=_("블로그 (직접 게시)"),
        required=False,
        max_length=100,
        help_text=_("예: 서산시 네이버 블로그. 내보내기로 붙여 넣고 게시 주소를 기록합니다."),
    )
    images = ImagesField(label=_("사진"), required=False)
    video = forms.FileField(
        label=_("동영상 (MP4·MOV, 한 개)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/quicktime"}),
        help_text=_(
            "인스타그램 릴스: 3초~15분, 300MB까지. 페이스북 릴스: 세로 9:16, 3~90초. "
            "페이스북 동영상: 20분, 1GB까지."
        ),
    )
    video_format = forms.ChoiceField(
        label=_("동영상 형식"),
        choices=PostVideo.Format.choices,
        initial=PostVideo.Format.REEL,
        required=False,
    )
    thumb_offset = forms.DecimalField(
        label=_("표지 장면 (몇 초 지점)"),
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=1,
        help_text=_("릴스와 동영상의 표지로 쓸 장면입니다. 비우면 첫 장면."),
    )
    video_remove = forms.BooleanField(label=_("동영상 빼기"), required=False)
    planned_at = forms.DateTimeField(
        label=_("게시 예정 시각"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    class Meta:
        model = Post
        fields = ["title", "text", "link", "hashtags", "planned_at"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels read "제목", not "제목:"
        super().__init__(*args, **kwargs)
        current = video_of(self.instance) if self.instance.pk else None
        if current is not None:
            self.fields["video_format"].initial = current.format
            self.fields["thumb_offset"].initial = current.thumb_offset_ms / 1000
        else:  # nothing to take out: the box would only puzzle a first-time writer
            del self.fields["video_remove"]

    def clean_video(self):
        """An upload is probed at once: the file must be an MP4/MOV video we can measure."""
        upload = self.cleaned_data.get("video")
        if not upload:
            return None
        try:
            info = videos.probe(upload.file, upload.size or 0)
        except videos.VideoRefused as exc:
            raise forms.ValidationError(
                _("'%(name)s'은(는) 올릴 수 없습니다: %(reason)s.")
                % {"name": upload.name, "reason": exc}
            ) from exc
        upload.seek(0)
        return upload, info

    def video_after_save(self) -> tuple[bool, videos.VideoInfo | None]:
        """(has a video after this save, the new one's measures if one was uploaded)."""
        chosen = self.cleaned_data.get("video")
        if chosen:
            return True, chosen[1]
        current = video_of(self.instance) if self.instance.pk else None
        return current is not None and not self.cleaned_data.get("video_remove"), None

    def clean_text(self):
        # One line break as the counters (and the platforms) count it, not the browser's \r\n.
        return self.cleaned_data["text"].replace("\r\n", "\n")

    def clean_planned_at(self):
        planned = self.cleaned_data["planned_at"]
        if planned and not FIRST_YEAR <= planned.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("게시 예정 시각은 %(first)s년부터 %(last)s년 사이로 정하세요.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return planned

    def kept_photos(self) -> int:
        """Photos already on the post that this save keeps."""
        if not self.instance.pk:
            return 0
        removed = set(self.data.getlist("photo_remove")) if hasattr(self.data, "getlist") else set()
        return sum(
            str(pk) not in removed for pk in self.instance.images.values_list("pk", flat=True)
        )

    def clean(self):
        data = super().clean() or self.cleaned_data
        kinds = {target_kind(a.kind) for a in data.get("accounts") or []}
        caption = caption_of(
            data.get("text") or "", data.get("link") or "", data.get("hashtags") or ""
        )
        hashtags = len(Post(hashtags=data.get("hashtags") or "").hashtag_list())
        photos = self.kept_photos() + len(data.get("images") or [])
        has_video, info = self.video_after_save()
        for problem in limit_problems(
            caption, hashtags, photos, kinds, draft=True, video=has_video
        ):
            self.add_error(None, problem)
        if info is not None:  # a new video too big for a chosen target is refused at once
            for problem in videos.problems(info, kinds, data.get("video_format") or "reel"):
                self.add_error("video", problem)
        offset = data.get("thumb_offset")
        current = video_of(self.instance) if self.instance.pk else None
        length = info.duration if info else (current.duration if current else None)
        if offset is not None and length is not None and float(offset) > length:
            self.add_error(
                "thumb_offset",
                _("표지 장면은 동영상 길이(%(length)s) 안이어야 합니다.")
                % {"length": videos.minutes(length)},
            )
        return data

    def clean_images(self):
        files = self.files.getlist("images")
        if self.kept_photos() + len(files) > MAX_IMAGES:
            raise forms.ValidationError(
                _("사진은 %(max)s장까지 올릴 수 있습니다 (이미 %(kept)s장).")
                % {"max": MAX_IMAGES, "kept": self.kept_photos()}
            )
        cleaned = []
        for n, upload in enumerate(files, start=1):
            if (upload.size or 0) > MAX_IMAGE_BYTES:
                raise forms.ValidationError(
                    _("사진 한 장은 8MB까지입니다: %(name)s") % {"name": upload.name}
                )
            try:
                cleaned.append(clean_image(upload.read(), f"image-{n}", upload.name or ""))
            except ImageRefused as exc:
                raise forms.ValidationError(
                    _("'%(name)s'은(는) %(reason)s.") % {"name": upload.name, "reason": exc}
                ) from exc
        return cleaned
