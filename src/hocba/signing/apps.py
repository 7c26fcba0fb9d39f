from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Ký số: certificates, signer backends, PAdES signatures, the signing workflow."""

    name = "hocba.signing"
    label = "signing"
    verbose_name = "Ký số"
