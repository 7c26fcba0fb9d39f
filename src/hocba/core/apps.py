from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared kernel: text keys, identifiers, the audit chain, scoped permissions."""

    name = "hocba.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self) -> None:
        from django.core import checks

        from hocba.core.throttle import rate_errors

        @checks.register(checks.Tags.security)
        def limits_readable(app_configs, **kwargs):
            """The limits' settings read at start-up (``hocba serve``, ``hocba manage check``), not at the first
            login."""
            return [checks.Error(text, id="hocba.E001") for text in rate_errors()]
