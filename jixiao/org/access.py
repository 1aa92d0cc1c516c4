"""Who may see and do what, by role and unit.

Every view goes through one of the decorators here. A request for a unit the user holds no
fitting role in is answered 404, as if the unit did not exist: a unit's people cannot even
learn which other units have pages.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from jixiao.core.refusals import Refused
from jixiao.org.errors import OrgRefusal
from jixiao.org.models import Role, RoleKind, Unit

UNIT_OFFICE = (RoleKind.ASSESSOR, RoleKind.SECRETARY)


@dataclass(frozen=True)
class Operator:
    """Whoever runs a ``jixiao`` command on the server: the city's operator, who may do
    everything (they hold the server itself). Acts like a superuser in the checks below."""

    name: str
    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = True

    def get_username(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


def actor_name(acting_user) -> str:
    """How the audit log and the records name the actor."""
    return acting_user.get_username()


def account_of(acting_user):
    """The user account behind the actor (None for a command-line operator)."""
    return None if isinstance(acting_user, Operator) else acting_user


def require_city_admin(acting_user) -> None:
    """Refuse an action reserved to the city's assessment office."""
    if not is_city_admin(acting_user):
        raise Refused(OrgRefusal.NOT_CITY_ADMIN)


def require_unit_role(acting_user, unit: Unit, *kinds: str) -> None:
    """Refuse an action on a unit where the actor holds none of the roles (the city's
    office may act on every unit)."""
    if not has_unit_role(acting_user, unit.pk, *kinds):
        raise Refused(OrgRefusal.NO_UNIT_ROLE, unit=unit.name)


def is_city_admin(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return _roles(user).get(RoleKind.CITY_ADMIN) is not None


def unit_ids_for(user, *kinds: str) -> set[int]:
    """The units where the user holds one of the roles (all units for a city admin)."""
    if not user.is_authenticated:
        return set()
    if is_city_admin(user):
        return set(Unit.objects.values_list("pk", flat=True))
    roles = _roles(user)
    return {unit_id for kind in kinds for unit_id in roles.get(kind, ())}


def has_unit_role(user, unit_id: int, *kinds: str) -> bool:
    if is_city_admin(user):
        return True
    roles = _roles(user)
    return any(unit_id in roles.get(kind, ()) for kind in kinds)


def own_person_ids(user) -> set[int]:
    """The people a staff member's roles name: whose scores they may see."""
    if not user.is_authenticated:
        return set()
    return set(Role.objects.filter(user=user, kind=RoleKind.STAFF).values_list("person_id", flat=True))


def _roles(user) -> dict[str, set[int] | None]:
    """The user's roles, once per request: kind → unit ids (``None`` for the city admin)."""
    cached = getattr(user, "_jixiao_roles", None)
    if cached is None:
        cached = {}
        for kind, unit_id in Role.objects.filter(user=user).values_list("kind", "unit_id"):
            if kind == RoleKind.CITY_ADMIN:
                cached[kind] = set()
            else:
                cached.setdefault(kind, set()).add(unit_id)
        user._jixiao_roles = cached
    return cached


def city_admin_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_city_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.access = "city"
    return wrapper


def unit_role_required(*kinds: str):
    """For views of one unit (URL argument ``unit_id``): the unit is passed to the view
    as ``unit``; users without one of the roles there get a 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, unit_id, **kwargs):
            if not has_unit_role(request.user, unit_id, *kinds):
                raise Http404
            unit = get_object_or_404(Unit, pk=unit_id)
            return view(request, *args, unit=unit, **kwargs)

        wrapper.access = "unit"
        wrapper.unit_roles = kinds
        return wrapper

    return decorator


def public(view):
    """For the public pages (no login): they read only published exemplars, through
    ``jixiao.showcase.public``."""
    view = login_not_required(view)
    view.access = "public"
    return view


def signed_in(view):
    """For views every signed-in user may open (their own data only, checked inside)."""
    view.access = "self"
    return view
