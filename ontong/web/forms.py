"""Staff forms that are not list filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ontong.complaints.models import SavedReply
from ontong.complaints.saved_replies import VARIABLES, departments_for


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "department", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments_for(user)
        field.required = not user.has_role("admin")
        field.empty_label = _("시 전체") if user.has_role("admin") else None
        self.fields["body"].help_text = _("넣을 수 있는 값: %(names)s") % {
            "names": " ".join("{" + name + "}" for name in VARIABLES)
        }
