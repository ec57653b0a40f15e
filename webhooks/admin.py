"""Webhooks in the admin: editors register endpoints (the secret is shown once, when it is
made), follow each delivery with its attempts, and send one again. Deliveries and their log are
kept as they happened: nobody adds, changes or deletes them here."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from articles.admin import WritesThroughServices
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint, EventType

TEMPLATES = "admin/webhooks/"


class EndpointForm(forms.ModelForm):
    url = Endpoint._meta.get_field("url").formfield(assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=EventType.values,
        help_text="The event types it receives.",
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events", "is_active"]


@admin.register(Endpoint)
class EndpointAdmin(WritesThroughServices, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "description", "event_types", "is_active", "notice", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = ["disabled_at", "disabled_reason", "created_at", "created_by"]
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["url", "description", "events"]
        return ["url", "description", "events", "is_active", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description="Events")
    def event_types(self, endpoint):
        return ", ".join(endpoint.events)

    @admin.display(description="Notice")
    def notice(self, endpoint):
        if endpoint.disabled_at is None:
            return ""
        return format_html(
            '<strong class="errornote">Disabled {}: {}</strong>',
            f"{timezone.localtime(endpoint.disabled_at):%Y-%m-%d %H:%M}",
            endpoint.disabled_reason,
        )

    def changelist_view(self, request, extra_context=None):
        disabled = Endpoint.objects.filter(disabled_at__isnull=False).count()
        if disabled and request.method == "GET":
            self.message_user(
                request,
                f"{disabled} endpoint(s) are disabled and receive nothing: see Notice. Turn one "
                "on again (its Active box) to send what waits for it.",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        endpoint = self.get_object(request, object_id)
        if endpoint is not None and endpoint.disabled_at and request.method == "GET":
            disabled_at = timezone.localtime(endpoint.disabled_at)
            self.message_user(
                request,
                f"This endpoint was disabled on {disabled_at:%Y-%m-%d %H:%M}: "
                f"{endpoint.disabled_reason} Tick Active and save to send what waits for it.",
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.endpoint_create(
                actor=request.user,
                url=obj.url,
                events=obj.events,
                description=obj.description,
            )
            obj.pk, obj.secret = created.pk, created.secret
            return
        services.endpoint_update(actor=request.user, endpoint=obj)
        if "is_active" in form.changed_data:
            if obj.is_active:
                services.endpoint_enable(actor=request.user, endpoint=obj)
            else:
                services.endpoint_disable(
                    actor=request.user, endpoint=obj, reason=f"Turned off by {request.user}."
                )

    def delete_model(self, request, obj):
        services.endpoint_delete(actor=request.user, endpoint=obj)

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_secrets(request, [obj], "Endpoint registered")

    @admin.action(
        description="Rotate the signing secret of selected endpoints", permissions=["change"]
    )
    def rotate_secret(self, request, queryset):
        endpoints = list(queryset)
        for endpoint in endpoints:
            services.endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
        return self._show_secrets(request, endpoints, "New signing secrets")

    def _show_secrets(self, request, endpoints, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "endpoints": endpoints,
        }
        return TemplateResponse(request, TEMPLATES + "endpoint/secret.html", context)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["number", "started_at", "duration_ms", "response_status", "error", "response_excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "article",
        "endpoint",
        "status",
        "attempts",
        "last_response_status",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event__type", "endpoint"]
    search_fields = ["event__article_external_id", "event__message_id", "endpoint__url"]
    list_select_related = ["event", "endpoint"]
    list_per_page = 50
    fields = [
        "endpoint",
        "event_type",
        "message_id",
        "article",
        "occurred_at",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "delivered_at",
        "last_response_status",
        "last_error",
        "created_at",
        "body",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["send_again"]
    change_form_template = TEMPLATES + "delivery/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_title=F("event__article__title"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("webhooks.resend_delivery")

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type

    @admin.display(description="webhook-id")
    def message_id(self, delivery):
        return delivery.event.message_id

    @admin.display(description="Occurred at")
    def occurred_at(self, delivery):
        return delivery.event.occurred_at

    @admin.display(description="Article")
    def article(self, delivery):
        event = delivery.event
        label = delivery.article_title or event.article_external_id or f"#{event.article_ref}"
        if event.article_id is None:
            return f"{label} (deleted)"
        url = reverse("admin:articles_article_change", args=[event.article_id])
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="Body")
    def body(self, delivery):
        if delivery.event.payload is None:
            return "Made when the article goes live."
        text = json.dumps(delivery.event.payload, indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)

    def get_urls(self):
        return [
            path(
                "<int:delivery_id>/send-again/",
                self.admin_site.admin_view(self.send_again_view),
                name="webhooks_delivery_send_again",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "may_resend": self.has_resend_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def send_again_view(self, request, delivery_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_resend_permission(request):
            raise PermissionDenied
        delivery = get_object_or_404(Delivery, pk=delivery_id)
        self._send_again(request, [delivery])
        return HttpResponseRedirect(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))

    @admin.action(description="Send selected deliveries again", permissions=["resend"])
    def send_again(self, request, queryset):
        self._send_again(request, list(queryset))

    def _send_again(self, request, deliveries):
        sent, unsent = 0, 0
        for delivery in deliveries:
            was = delivery.status
            services.delivery_resend(actor=request.user, delivery=delivery)
            if was in Delivery.UNSENT:
                unsent += 1
            else:
                sent += 1
        message = f"{sent} delivery(ies) will be sent again shortly."
        if unsent:
            message += f" {unsent} were still on their way and are left as they are."
        self.message_user(request, message, messages.SUCCESS)
