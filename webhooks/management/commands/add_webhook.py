from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from articles.roles import OPERATOR
from webhooks import services
from webhooks.models import EventType


class Command(BaseCommand):
    help = (
        "Register a webhook endpoint and print its signing secret, once, on the last line. "
        "Receivers on private, loopback or link-local addresses are refused unless "
        "WEBHOOK_ALLOW_PRIVATE is set."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", help="Where events are POSTed (http:// or https://).")
        parser.add_argument(
            "--events",
            default=",".join(EventType.values),
            help=f"Comma-separated event types (default: all of {', '.join(EventType.values)}).",
        )
        parser.add_argument("--description", default="", help="Who receives, and why.")

    def handle(self, *args, url, events, description, **options):
        wanted = [name.strip() for name in events.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in EventType.values]
        if unknown or not wanted:
            raise CommandError(
                f"Unknown event type {', '.join(unknown) or '(none given)'}: choose from "
                f"{', '.join(EventType.values)}."
            )
        try:
            endpoint = services.endpoint_create(
                actor=OPERATOR, url=url, events=wanted, description=description
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Registered endpoint {endpoint.pk}: {endpoint.url} ({', '.join(endpoint.events)})."
        )
        self.stdout.write("Its signing secret, shown only now:")
        self.stdout.write(endpoint.secret)
