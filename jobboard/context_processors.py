from django.utils.functional import SimpleLazyObject

from jobboard.auth import signed_in_user


def viewer(request):
    """``signed_in`` for templates (see jobboard.auth.signed_in_user)."""
    return {"signed_in": SimpleLazyObject(lambda: signed_in_user(request) is not None)}
