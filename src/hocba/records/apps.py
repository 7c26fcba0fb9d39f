from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Học bạ: the student's official record book — composition, versions, PDF, archive."""

    name = "hocba.records"
    label = "records"
    verbose_name = "Học bạ"

    def ready(self) -> None:
        from hocba.records import links, permissions  # noqa: F401  (importing permissions registers the records rules)

        links.register()  # the class and student pages' links to the records pages
