from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Ký số: certificates, signer backends, PAdES signatures, the signing workflow."""

    name = "hocba.signing"
    label = "signing"
    verbose_name = "Ký số"

    def ready(self) -> None:
        from hocba.core.context_processors import register_nav
        from hocba.demo.seed import SEED_EXTENSIONS
        from hocba.gradebook.demo import seed_correction_window
        from hocba.records.signals import version_superseded
        from hocba.signing import links, permissions  # noqa: F401  (importing permissions registers the signing rules)
        from hocba.signing.carry import on_version_superseded
        from hocba.signing.demo import seed_records, seed_signing

        # Records need the PKI to be signed; the demo's correction window opens after they are signed.
        for extension in (seed_signing, seed_records, seed_correction_window):
            if extension not in SEED_EXTENSIONS:
                SEED_EXTENSIONS.append(extension)
        links.register()  # the class and school pages' links to the signing pages
        register_nav("Chứng thư số", "signing:certificates", "signing:certificate:progress")
        # A correction's new version keeps the confirmations of the rows it did not change.
        version_superseded.connect(on_version_superseded, dispatch_uid="signing.carry")
