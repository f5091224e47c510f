from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ontong.complaints.privacy import LANDLINE, MOBILE
from ontong.images import CleanImage, ImageRefused, clean_image
from ontong.org.models import Area

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_BODY = 10_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # Read by intake.js, which refuses a too large photo before the form is sent.
        return super().widget_attrs(widget) | {
            "data-max-bytes": MAX_PHOTO_BYTES,
            "data-max-count": MAX_PHOTOS,
        }

    def clean(self, data: Any, initial: Any = None) -> list[CleanImage]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("사진은 %(n)d장까지 올릴 수 있습니다."), params={"n": MAX_PHOTOS}
            )
        return [check_photo(f, f"photo-{n}") for n, f in enumerate(files, start=1)]


def check_photo(upload: "UploadedFile[bytes]", stem: str = "photo") -> CleanImage:
    """The upload verified and re-encoded (ontong.images), stored under our name."""
    if (upload.size or 0) > MAX_PHOTO_BYTES:
        raise ValidationError(_("10MB를 넘는 사진입니다: '%(name)s'"), params={"name": upload.name})
    try:
        return clean_image(upload.read(), stem, original_name=upload.name or "")
    except ImageRefused as exc:
        raise ValidationError(
            _("받을 수 없는 사진입니다: '%(name)s' (%(reason)s)"),
            params={"name": upload.name, "reason": str(exc)},
        ) from exc


class CitizenForm(forms.Form):
    """Citizen forms: labels without a trailing colon (Korean labels do not take one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class IntakeForm(CitizenForm):
    title = forms.CharField(label=_("제목 (선택)"), max_length=200, required=False)
    body = forms.CharField(
        label=_("내용"),
        max_length=MAX_BODY,
        widget=forms.Textarea(
            attrs={
                "rows": 7,
                "placeholder": _("무엇이 불편하신가요? 어디서, 무엇이 문제인지 적어 주세요."),
            }
        ),
    )
    area = forms.ModelChoiceField(
        label=_("읍면동"),
        queryset=Area.objects.all(),
        required=False,
        empty_label=_("모름 / 선택 안 함"),
    )
    address = forms.CharField(label=_("주소 또는 위치 (선택)"), max_length=300, required=False)
    latitude = forms.DecimalField(
        required=False,
        min_value=33,
        max_value=39,
        max_digits=9,
        decimal_places=6,
        widget=forms.HiddenInput,
    )
    longitude = forms.DecimalField(
        required=False,
        min_value=124,
        max_value=132,
        max_digits=9,
        decimal_places=6,
        widget=forms.HiddenInput,
    )
    photos = PhotosField(label=_("사진 (최대 5장, 각 10MB)"), required=False)
    name = forms.CharField(
        label=_("성명 (선택)"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("휴대전화 (선택)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": "010-1234-5678",
            }
        ),
    )
    email = forms.EmailField(
        label=_("이메일 (선택, 결과 안내용)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_("위 내용을 읽었고, 선택 항목(성명·휴대전화·이메일)의 수집·이용에 동의합니다."),
        required=False,
    )

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
            raise ValidationError(_("전화번호 형식이 올바르지 않습니다 (예: 010-1234-5678)."))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        gave_contact = any(data.get(f) for f in ("name", "phone", "email"))
        if gave_contact and not data.get("consent"):
            self.add_error("consent", _("연락처를 남기려면 수집·이용에 동의해 주세요."))
        return data


class StatusLookupForm(CitizenForm):
    receipt_no = forms.RegexField(
        label=_("접수번호"),
        regex=r"^\d{4}-\d{6}$",
        max_length=11,
        error_messages={"invalid": _("접수번호는 2026-000123 형식입니다.")},
    )
    token = forms.CharField(
        label=_("조회 코드 또는 휴대전화 끝 4자리"),
        max_length=100,
        help_text=_(
            "접수할 때 받은 8자리 조회 코드(예: K7QM-4XRP), 안내 링크의 긴 코드, 또는 접수할 때 적은 휴대전화 번호의 끝 4자리"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())  # as shown: in groups of four


class FollowForm(CitizenForm):
    """이미 접수된 민원 따라가기: the case, the pin it was found from, and optional words."""

    receipt_no = forms.RegexField(regex=r"^\d{4}-\d{6}$", max_length=11, widget=forms.HiddenInput)
    latitude = forms.DecimalField(
        min_value=33, max_value=39, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        min_value=124, max_value=132, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    body = forms.CharField(max_length=MAX_BODY, required=False, widget=forms.HiddenInput)
    # The form's own phone and consent, sent along: the follower is told when the case is answered.
    phone = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    consent = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and not MOBILE.fullmatch(phone):
            raise ValidationError(_("휴대전화 번호 형식이 올바르지 않습니다 (예: 010-1234-5678)."))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if data.get("phone") and not data.get("consent"):
            self.add_error("consent", _("연락처를 남기려면 수집·이용에 동의해 주세요."))
        return data


class PointForm(forms.Form):
    """A point asked about by the form's map (nearby cases, the address)."""

    lat = forms.FloatField(min_value=33, max_value=39)
    lng = forms.FloatField(min_value=124, max_value=132)


class FollowUpForm(CitizenForm):
    body = forms.CharField(
        label=_("담당 부서에 더 알릴 내용 (사진 위치, 바뀐 상황 등)"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyForm(CitizenForm):
    """[법] 제26조 만족도 조사: a score, or "not solved yet", and an optional comment."""

    score = forms.TypedChoiceField(
        label=_("처리 결과에 얼마나 만족하시나요?"),
        choices=[
            (5, _("5 매우 만족")),
            (4, _("4 만족")),
            (3, _("3 보통")),
            (2, _("2 불만족")),
            (1, _("1 매우 불만족")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
    )
    unresolved = forms.BooleanField(label=_("아직 해결되지 않았어요"), required=False)
    comment = forms.CharField(
        label=_("의견 (선택)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if not data.get("score") and not data.get("unresolved"):
            raise forms.ValidationError(
                _("만족도를 고르거나 '아직 해결되지 않았어요'를 선택하세요.")
            )
        return data
