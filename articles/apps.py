from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(using, **kwargs):
    """Make the cache table of a database cache (the default CACHE_URL) whenever the database is
    migrated, so `migrate` is all a new install runs."""
    call_command("createcachetable", database=using, verbosity=0)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="cache-tables")
