"""Units, personnel categories and people: the city's reference data."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("Department or bureau")
    TOWN = "town", _("Town")
    SUBDISTRICT = "subdistrict", _("Sub-district")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other")


class Unit(models.Model):
    """A unit of the city (机关、事业单位、镇街); units form a tree.

    ``root`` is the top-level ancestor, kept on save, so that a peer group spanning a unit
    tree is a plain column the ranking statement can partition by.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind, default=UnitKind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    root = models.ForeignKey(
        "self",
        verbose_name=_("top-level unit"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            chain = self.ancestors()
            root_id = chain[-1].pk if chain else self.pk
            if self.root_id != root_id:
                self.root_id = root_id
                Unit.objects.filter(pk=self.pk).update(root_id=root_id)
            # A moved unit takes its whole subtree with it.
            for child in self.children.all():
                if child.root_id != root_id:
                    child.save()

    def clean(self) -> None:
        node = self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError(
                    {"parent": _("A unit cannot be placed under itself or its own sub-unit.")}
                )
            node = node.parent

    def ancestors(self) -> list["Unit"]:
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValueError(f"unit tree has a cycle at {node}")
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain


class Category(models.Model):
    """A personnel category (人员类别); peers compete only within their category."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("personnel category")
        verbose_name_plural = _("personnel categories")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Person(models.Model):
    """Somebody assessed by the city. The staff ID is text: ``000123`` keeps its zeros."""

    staff_id = models.CharField(_("staff ID"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["staff_id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_id}）"


def guess_unit_kind(name: str) -> str:
    """A new unit's kind from its name, as a Chinese reader would tell it."""
    for suffixes, kind in (
        (("街道", "街道办事处"), UnitKind.SUBDISTRICT),
        (("镇", "乡"), UnitKind.TOWN),
        (("医院", "卫生院", "卫生服务中心", "保健院"), UnitKind.HOSPITAL),
        (("学校", "中学", "小学", "学院", "幼儿园", "大学"), UnitKind.SCHOOL),
        (("局", "委", "办", "办公室", "部", "院", "厅", "会", "委员会", "中心"), UnitKind.BUREAU),
    ):
        if name.endswith(suffixes):
            return kind
    return UnitKind.OTHER


class RoleKind(models.TextChoices):
    CITY_ADMIN = "city_admin", _("city administrator")
    ASSESSOR = "assessor", _("unit assessor")
    SECRETARY = "secretary", _("committee secretary")
    STAFF = "staff", _("staff member")


class Role(models.Model):
    """What a user may do where. A user may hold roles in several units; a city
    administrator's role has no unit, a staff member's names the person they are."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "unit"], name="one_role_per_user_kind_unit"),
            models.CheckConstraint(
                condition=models.Q(kind="city_admin", unit__isnull=True)
                | (~models.Q(kind="city_admin") & models.Q(unit__isnull=False)),
                name="unit_roles_name_their_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="staff", person__isnull=False)
                | (~models.Q(kind="staff") & models.Q(person__isnull=True)),
                name="only_staff_roles_name_a_person",
            ),
        ]

    def __str__(self) -> str:
        where = self.unit.name if self.unit_id else _("city")
        return f"{self.user} · {self.get_kind_display()} · {where}"

    def clean(self) -> None:
        if self.kind == RoleKind.CITY_ADMIN and self.unit_id:
            raise ValidationError({"unit": _("A city administrator's role has no unit.")})
        if self.kind != RoleKind.CITY_ADMIN and not self.unit_id:
            raise ValidationError({"unit": _("This role needs a unit.")})
        if self.kind == RoleKind.STAFF and not self.person_id:
            raise ValidationError({"person": _("A staff member's role names the person.")})
        if self.kind != RoleKind.STAFF and self.person_id:
            raise ValidationError({"person": _("Only a staff member's role names a person.")})


class PasswordToChange(models.Model):
    """The account's password was handed out by an office (a one-time password on a sheet):
    its holder must choose their own at the next login before anything else."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="password_to_change",
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now=True)
    issued_by = models.CharField(_("issued by"), max_length=150)

    class Meta:
        verbose_name = _("one-time password")
        verbose_name_plural = _("one-time passwords")

    def __str__(self) -> str:
        return str(self.user)
