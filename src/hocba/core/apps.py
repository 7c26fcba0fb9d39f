from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared kernel: text keys, identifiers, the audit chain, scoped permissions."""

    name = "hocba.core"
    label = "core"
    verbose_name = "Lõi hệ thống"
