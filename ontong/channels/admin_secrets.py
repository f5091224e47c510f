"""Secrets in the admin (tokens, keys, signing secrets) are write-only: a form shows them empty,
never their value, and a field left blank keeps the stored one (kakao, alimtalk, meta)."""

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

KEEP_HELP = _("비워 두면 저장된 값을 유지합니다.")


def secret_field(label: Any, help_text: Any = KEEP_HELP) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.PasswordInput, help_text=help_text
    )


class WriteOnlySecretsForm(forms.ModelForm):
    """A model form whose `secret_fields` keep their stored value when left blank."""

    secret_fields: ClassVar[tuple[str, ...]] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        blank = [name for name in self.secret_fields if not data.get(name)]
        if blank and self.instance.pk:
            stored = type(self.instance)._default_manager.get(pk=self.instance.pk)
            for name in blank:
                data[name] = getattr(stored, name)
        return data
