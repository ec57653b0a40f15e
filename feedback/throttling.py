from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from feedback.voters import client_address


def vote_allowed(request) -> bool:
    """Count this vote against the client's budget (fixed window, in the shared cache).

    With the cache unreachable the limit fails open: the vote is still recorded, as a reader's
    vote counts once per article whatever they send (one row per reader and article).
    """
    address = salted_hmac("newsroom.feedback.rate", client_address(request)).hexdigest()
    key = f"feedback:rate:{address}"
    window = settings.FEEDBACK_RATE_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count is None:  # the cache is unreachable (see CACHES in settings)
        return True
    return count <= settings.FEEDBACK_RATE_LIMIT
