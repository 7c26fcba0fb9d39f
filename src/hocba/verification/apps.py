from django.apps import AppConfig


class VerificationConfig(AppConfig):
    """Xác thực học bạ by anyone, and the family portal."""

    name = "hocba.verification"
    label = "verification"
    verbose_name = "Xác thực học bạ"

    def ready(self) -> None:
        from hocba.core.context_processors import register_nav
        from hocba.verification import middleware, permissions  # noqa: F401  (the rules; the gate's login receiver)

        register_nav("Học bạ của gia đình", "verification:family", "verification:family:portal")
        register_nav("Tài khoản gia đình", "verification:accounts", "verification:account:create")
