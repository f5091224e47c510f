from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TRIAGE = "triage", _("접수담당")
    OFFICER = "officer", _("부서담당자")
    MANAGER = "manager", _("부서관리자")
    ADMIN = "admin", _("민원총괄")
    PR = "pr", _("홍보")


# Roles are Django groups with these names; fixed strings, not translations, so that a user's
# roles do not depend on the language of the request.
ROLE_GROUPS = {
    Role.TRIAGE: "접수담당",
    Role.OFFICER: "부서담당자",
    Role.MANAGER: "부서관리자",
    Role.ADMIN: "민원총괄",
    Role.PR: "홍보",
}


class Department(models.Model):
    class Kind(models.TextChoices):
        BUREAU = "국", _("국/실")
        OFFICE = "담당관", _("담당관")
        DIVISION = "과", _("과")
        TEAM = "팀", _("팀")
        AGENCY = "사업소", _("직속기관/사업소")
        EMD = "읍면동", _("읍면동 행정복지센터")

    name = models.CharField(_("부서명"), max_length=100)
    kind = models.CharField(_("종류"), max_length=10, choices=Kind.choices, default=Kind.DIVISION)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("상위 부서"),
    )
    code = models.CharField(_("부서 코드"), max_length=20, blank=True)
    duty = models.TextField(_("사무분장"), blank=True)
    keywords = models.TextField(_("키워드"), blank=True, help_text=_("쉼표로 구분"))
    aliases = models.TextField(_("다른 이름"), blank=True, help_text=_("쉼표로 구분 (옛 이름 등)"))
    phone = models.CharField(_("전화"), max_length=40, blank=True)
    email = models.EmailField(_("이메일"), blank=True)
    is_active = models.BooleanField(_("사용"), default=True)
    replaced_by = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("개편 후 부서"),
    )
    sort_order = models.PositiveIntegerField(_("순서"), default=0)

    class Meta:
        verbose_name = _("부서")
        verbose_name_plural = _("부서")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "parent"], name="org_department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name if self.is_active else f"{self.name} ({_('폐지')})"

    @property
    def path(self) -> str:
        names: list[str] = []
        node: Department | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))

    def keyword_list(self) -> list[str]:
        return split_list(self.keywords)

    def alias_list(self) -> list[str]:
        return split_list(self.aliases)

    def current(self) -> "Department":
        """Follow replaced_by to today's department (cycles are stopped)."""
        node, seen = self, set()
        while node.replaced_by is not None and node.pk not in seen:
            seen.add(node.pk)
            node = node.replaced_by
        return node


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class Area(models.Model):
    """A 읍면동 (행정동) with its 법정동/리, from the official code table."""

    class Kind(models.TextChoices):
        EUP = "읍", _("읍")
        MYEON = "면", _("면")
        DONG = "동", _("동")

    code = models.CharField(_("행정동 코드"), max_length=10, unique=True)
    name = models.CharField(_("읍면동"), max_length=40)
    kind = models.CharField(_("종류"), max_length=2, choices=Kind.choices)
    legal_units = models.JSONField(_("법정동/리"), default=list, blank=True)
    office = models.ForeignKey(
        Department,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="areas",
        verbose_name=_("행정복지센터"),
    )

    class Meta:
        verbose_name = _("읍면동")
        verbose_name_plural = _("읍면동")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    department = models.ForeignKey(
        Department,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("소속 부서"),
    )
    work_phone = models.CharField(_("업무 전화"), max_length=40, blank=True)
    # Kept for one request (this object's life): see roles() and complaints.access.
    _roles: set[str]
    _department_scope: tuple[int, list[int]]

    class Meta(AbstractUser.Meta):
        # Lazy text, as Django documents; django-stubs types AbstractUser.Meta's names as str.
        verbose_name = _("직원")  # type: ignore[assignment]
        verbose_name_plural = _("직원")  # type: ignore[assignment]

    def get_full_name(self) -> str:
        from ontong.korean import person_name

        return person_name(self.last_name, self.first_name)

    def roles(self) -> set[str]:
        if not hasattr(self, "_roles"):
            names = {g.name for g in self.groups.all()}
            self._roles = {role.value for role, group in ROLE_GROUPS.items() if group in names}
            if self.is_superuser:
                self._roles.add(Role.ADMIN.value)
        return self._roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    def role_labels(self) -> list[str]:
        return [str(role.label) for role in Role if role.value in self.roles()]
