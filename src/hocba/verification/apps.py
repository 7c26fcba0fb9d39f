from django.apps import AppConfig


class VerificationConfig(AppConfig):
    """Xác thực học bạ by anyone, and the family portal."""

    name = "hocba.verification"
    label = "verification"
    verbose_name = "Xác thực học bạ"
