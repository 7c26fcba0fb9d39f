from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Ký số: certificates, signer backends, PAdES signatures, the signing workflow."""

    name = "hocba.signing"
    label = "signing"
    verbose_name = "Ký số"

    def ready(self) -> None:
        from hocba.demo.seed import SEED_EXTENSIONS
        from hocba.signing import permissions  # noqa: F401  (registers the signing rules)
        from hocba.signing.demo import seed_records, seed_signing

        for extension in (seed_signing, seed_records):  # records need the PKI to be signed
            if extension not in SEED_EXTENSIONS:
                SEED_EXTENSIONS.append(extension)
