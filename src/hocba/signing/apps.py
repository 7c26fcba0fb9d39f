from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Ký số: certificates, signer backends, PAdES signatures, the signing workflow."""

    name = "hocba.signing"
    label = "signing"
    verbose_name = "Ký số"

    def ready(self) -> None:
        from hocba.demo.seed import SEED_EXTENSIONS
        from hocba.signing import permissions  # noqa: F401  (registers the signing rules)
        from hocba.signing.demo import seed_signing

        if seed_signing not in SEED_EXTENSIONS:
            SEED_EXTENSIONS.append(seed_signing)
