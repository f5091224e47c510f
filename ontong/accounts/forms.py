from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    """Django sets the username's max_length after the field is built, so the length is never
    checked; a 5,000-character name reached authenticate() and the lockout table."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        assert isinstance(field, forms.CharField)
        field.validators.append(MaxLengthValidator(field.max_length))
