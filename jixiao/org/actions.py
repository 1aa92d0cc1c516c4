"""Staff accounts: opened from a roster in one step, each with a one-time password that its
holder must change at the first login, and reset by the office of the person's unit.

The passwords are shown once, to the office that issued them (a printable sheet and an .xlsx
made from the action's answer); the database keeps only their hashes. A one-time password is
ten characters drawn at random from 54 that cannot be mistaken for one another (no 0/O, 1/l/I),
about 57 bits: hashed with a thousand PBKDF2 rounds instead of Django's default million, so
that a city's thousands of accounts open in seconds; guessing it stays out of reach, and the
first login re-hashes it at full strength (Django upgrades a hash whose rounds differ) just
before its holder replaces it.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.core.audit import AuditAction, record
from jixiao.core.refusals import Refused
from jixiao.org.access import actor_name, require_city_admin, require_unit_role
from jixiao.org.errors import OrgRefusal
from jixiao.org.models import PasswordToChange, Person, Role, RoleKind, Unit

PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 10
ONE_TIME_ROUNDS = 1000


@dataclass(frozen=True)
class IssuedPassword:
    """One line of the sheet an office hands out: who logs in with what."""

    staff_id: str
    name: str
    unit: str
    username: str
    password: str


@dataclass
class OpenedAccounts:
    issued: list[IssuedPassword]
    moved: int  # existing accounts whose unit followed the roster
    unchanged: int  # people who already had their account
    taken: list[str]  # staff IDs whose user name another account already has


def one_time_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def one_time_hash(password: str) -> str:
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=ONE_TIME_ROUNDS)


def _require_office(acting_user, unit: Unit | None) -> None:
    if unit is None:
        require_city_admin(acting_user)
    else:
        require_unit_role(acting_user, unit, RoleKind.ASSESSOR)


def open_staff_accounts(
    people: Sequence[tuple[Person, Unit]], *, acting_user, unit: Unit | None = None
) -> OpenedAccounts:
    """Give everyone of ``people`` (each with their unit on the roster) an account named by
    their staff ID with a one-time password, or, where they have one, move its unit with the
    roster. For the city office (``unit`` None) or for one unit's office (its people only)."""
    _require_office(acting_user, unit)
    if unit is not None:
        for person, their_unit in people:
            if their_unit.pk != unit.pk:
                raise Refused(OrgRefusal.NOT_IN_UNIT, person=person, unit=unit.name)
    User = get_user_model()
    with transaction.atomic():
        roles = {
            role.person_id: role
            for role in Role.objects.filter(
                kind=RoleKind.STAFF, person__in=[p for p, _u in people]
            ).select_related("person")
        }
        wanted = [person.staff_id for person, _unit in people if person.pk not in roles]
        taken = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        result = OpenedAccounts(issued=[], moved=0, unchanged=0, taken=sorted(taken))
        new_users, new_roles, moved = [], [], []
        for person, their_unit in people:
            role = roles.get(person.pk)
            if role is not None:
                if role.unit_id != their_unit.pk:
                    role.unit = their_unit
                    moved.append(role)
                else:
                    result.unchanged += 1
                continue
            if person.staff_id in taken:
                continue
            password = one_time_password()
            new_users.append(
                User(username=person.staff_id, first_name=person.name, password=one_time_hash(password))
            )
            new_roles.append((person, their_unit))
            result.issued.append(
                IssuedPassword(person.staff_id, person.name, their_unit.name, person.staff_id, password)
            )
        User.objects.bulk_create(new_users, batch_size=1000)
        user_ids = dict(
            User.objects.filter(username__in=[u.username for u in new_users]).values_list("username", "id")
        )
        Role.objects.bulk_create(
            (Role(user_id=user_ids[p.staff_id], kind=RoleKind.STAFF, unit=u, person=p) for p, u in new_roles),
            batch_size=1000,
        )
        PasswordToChange.objects.bulk_create(
            (PasswordToChange(user_id=pk, issued_by=actor_name(acting_user)) for pk in user_ids.values()),
            batch_size=1000,
        )
        Role.objects.bulk_update(moved, ["unit"], batch_size=1000)
        result.moved = len(moved)
        if result.issued or moved:
            record(
                actor=actor_name(acting_user),
                action=AuditAction.ACCOUNT,
                unit=unit,
                summary=_(
                    "Staff accounts opened: %(new)s new with a one-time password, %(moved)s moved to their unit"
                )
                % {"new": len(result.issued), "moved": len(moved)},
                after={
                    "opened": [line.username for line in result.issued],
                    "moved": {role.person.staff_id: role.unit.name for role in moved},
                },
            )
    return result


def reissue_passwords(
    staff_roles: Sequence[Role], *, acting_user, unit: Unit | None = None
) -> list[IssuedPassword]:
    """A new one-time password for each of these staff accounts (a forgotten password, a lost
    sheet): the old one stops working and the holder must change the new one at login. The
    unit's office resets only its own people's."""
    _require_office(acting_user, unit)
    User = get_user_model()
    issued, hashes = [], {}
    for role in staff_roles:
        if role.kind != RoleKind.STAFF:
            raise Refused(OrgRefusal.NO_STAFF_ACCOUNT, person=role.person or role.user)
        if unit is not None and role.unit_id != unit.pk:
            raise Refused(OrgRefusal.NOT_IN_UNIT, person=role.person, unit=unit.name)
        password = one_time_password()
        hashes[role.user_id] = one_time_hash(password)
        issued.append(
            IssuedPassword(
                role.person.staff_id, role.person.name, role.unit.name, role.user.get_username(), password
            )
        )
    with transaction.atomic():
        users = list(User.objects.filter(pk__in=hashes))
        for user in users:
            user.password = hashes[user.pk]
        User.objects.bulk_update(users, ["password"], batch_size=1000)
        PasswordToChange.objects.filter(user_id__in=hashes).delete()
        PasswordToChange.objects.bulk_create(
            (PasswordToChange(user_id=pk, issued_by=actor_name(acting_user)) for pk in hashes),
            batch_size=1000,
        )
        if issued:
            record(
                actor=actor_name(acting_user),
                action=AuditAction.ACCOUNT,
                unit=unit,
                summary=_("One-time passwords issued again: %(count)s accounts") % {"count": len(issued)},
                after={"reset": [line.username for line in issued]},
            )
    return issued


def password_changed(user) -> None:
    """The holder chose their own password: the one-time password's demand ends."""
    with transaction.atomic():
        if PasswordToChange.objects.filter(user=user).delete()[0]:
            record(
                actor=user.get_username(),
                action=AuditAction.ACCOUNT,
                target=user,
                summary=_("One-time password replaced by its holder"),
            )
