from django.contrib import admin

from newsroom.delivery.models import EdgePurge


@admin.register(EdgePurge)
class EdgePurgeAdmin(admin.ModelAdmin):
    """What the edge was told, and what waits for it: read only, as the worker writes it."""

    list_display = [
        "status",
        "edge_url",
        "shown_keys",
        "repeat",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "repeat", "edge_url"]
    list_per_page = 50
    show_full_result_count = False  # the table holds a week of purges
    fields = readonly_fields = [
        "status",
        "edge_url",
        "keys",
        "repeat",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "claimed_until",
    ]

    @admin.display(description="keys")
    def shown_keys(self, purge):
        return purge.shown_keys()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
