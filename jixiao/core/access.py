"""Who may see what. Until unit roles exist, ranking pages are for city administrators."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def city_admin_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
