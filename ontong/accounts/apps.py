from django.apps import AppConfig
from django.db.models.signals import post_migrate

from .cache import create_cache_tables


class AccountsConfig(AppConfig):
    name = "ontong.accounts"
    label = "accounts"
    verbose_name = "계정 보안"

    def ready(self):
        # `ontong migrate` also makes the database cache's table: no separate deployment step.
        post_migrate.connect(create_cache_tables, sender=self)
