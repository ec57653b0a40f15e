from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from articles.roles import OPERATOR
from newsroom.api.models import Scope
from newsroom.api.services import api_token_create


class Command(BaseCommand):
    help = (
        "Make an API token for a machine client (the pipeline) and print it once, on the last "
        "line; only its hash is kept. Scopes: " + ", ".join(Scope.values) + "."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Who uses it, e.g. “pipeline”.")
        parser.add_argument(
            "--scopes",
            required=True,
            help="Comma-separated, e.g. articles:write,articles:publish.",
        )

    def handle(self, *args, name, scopes, **options):
        wanted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        try:
            token, text = api_token_create(actor=OPERATOR, name=name, scopes=wanted)
        except ValidationError as error:
            problems = [
                f"--{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            ]
            raise CommandError(" ".join(problems)) from None
        self.stderr.write(
            f"Made API token “{token.name}” ({', '.join(token.scopes)}). It is shown once; "
            "keep it secret. Send it as: Authorization: Bearer <token>"
        )
        self.stdout.write(text)
