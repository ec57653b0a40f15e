"""How the admin writes: through the services, with their refusals shown to the editor."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect


class WritesThroughServices:
    """Admin views whose writes are service calls (`save_model` and the like).

    The forms check what the services check, so a refusal shows as a form error; a
    ValidationError the form could not foresee (another editor's write in between) shows as an
    error message over the form, and PermissionDenied as 403, never as a server error.
    """

    def changeform_view(self, request, *args, **kwargs):
        return self._refusals_shown(super().changeform_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._refusals_shown(super().changelist_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._refusals_shown(super().delete_view, request, *args, **kwargs)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """Delete each selected row as the delete view does: through `delete_model`."""
        for obj in queryset:
            self.delete_model(request, obj)

    def _refusals_shown(self, view, request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def refusal_messages(refusal: PermissionDenied | ValidationError) -> list[str]:
    return refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]
