import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from feedback.voters import client_address


def vote_allowed(request) -> bool:
    """Count this vote against the client's budget for the current window, in the shared cache.

    Each window has a key of its own, so the count starts again when the window does, whatever a
    cache does to expiry times on `incr` (the database cache resets them). With the cache
    unreachable the limit fails open: the vote is still recorded, as a reader's vote counts once
    per article whatever they send (one row per reader and article).
    """
    window = settings.FEEDBACK_RATE_WINDOW
    address = salted_hmac("newsroom.feedback.rate", client_address(request)).hexdigest()
    key = f"feedback:rate:{address}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count is None:  # the cache is unreachable (newsroom/cache_backends.py)
        return True
    return count <= settings.FEEDBACK_RATE_LIMIT
