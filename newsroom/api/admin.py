from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html

from newsroom.api.models import ApiToken, Scope
from newsroom.api.services import api_token_create, api_token_revoke


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Writing and publishing include reading.",
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scopes"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "shown_prefix", "scope_list", "created_at", "last_used_at", "state"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["shown_prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "scopes"]
        return ["name", "shown_prefix", "scope_list", *self.readonly_fields[1:]]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["name", "shown_prefix", "scope_list", *self.readonly_fields[1:]]

    @admin.display(description="token starts")
    def shown_prefix(self, token):
        return f"nr_{token.prefix}_…"

    @admin.display(description="scopes")
    def scope_list(self, token):
        return ", ".join(token.scopes)

    @admin.display(description="state")
    def state(self, token):
        return "active" if token.is_active else format_html("<strong>revoked</strong>")

    def has_change_permission(self, request, obj=None):
        return False if obj is not None and obj.pk else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the record says who had access

    def save_model(self, request, obj, form, change):
        try:
            token, text = api_token_create(
                actor=request.user, name=obj.name, scopes=form.cleaned_data["scopes"]
            )
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from None
        obj.pk = token.pk
        obj.made = (token, text)

    def response_add(self, request, obj, post_url_continue=None):
        # Shown on this page only: a message would carry it in a cookie.
        token, text = obj.made
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API token made",
            "token": token,
            "text": text,
        }
        return TemplateResponse(request, "admin/api/apitoken/created.html", context)

    @admin.action(description="Revoke the selected tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(actor=request.user, token=token)
        self.message_user(request, f"Revoked {queryset.count()} token(s).", messages.SUCCESS)

    def has_revoke_permission(self, request):
        return request.user.has_perm("api.change_apitoken")
