"""When failed admin logins lock a login out (django-axes' database handler, extended).

Three counts of failed logins, each with its own limit:

- one username from one address (AXES_FAILURE_LIMIT): someone guessing, or mistyping, one
  password from one place;
- one address, any usernames (LOGIN_ADDRESS_FAILURE_LIMIT): trying many accounts from one place;
- one username, any addresses (LOGIN_USERNAME_FAILURE_LIMIT): guesses at one account spread
  over many places, which the first count never sees.

The last two lock only logins from addresses where that username has never logged in: an
editor's account cannot be locked by strangers for the places the editor works from, and
the first count still stops guessing from any one place.
"""

from axes.attempts import get_cool_off_threshold
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt, AccessLog
from django.db.models import Sum


class LoginLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """Return the failures that count against this login, on AXES_FAILURE_LIMIT's scale.

        django-axes compares one number with AXES_FAILURE_LIMIT; each count here has a limit of
        its own, so the number is that limit plus how far the worst count is past its limit.
        """
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        attempts = AccessAttempt.objects.all()
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        limit = get_failure_limit(request, credentials)
        from_here = failures(attempts.filter(username=username, ip_address=address))
        past_limits = [from_here - limit]
        if not has_logged_in_from(username, address):
            from_this_address = failures(attempts.filter(ip_address=address))
            at_this_username = failures(attempts.filter(username=username))
            past_limits += [
                from_this_address - settings.LOGIN_ADDRESS_FAILURE_LIMIT,
                at_this_username - settings.LOGIN_USERNAME_FAILURE_LIMIT,
            ]
        return limit + max(past_limits)


def failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def has_logged_in_from(username, address) -> bool:
    """Return whether axes' access log has a successful login of `username` from `address`."""
    return AccessLog.objects.filter(username=username, ip_address=address).exists()
