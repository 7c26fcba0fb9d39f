from django.apps import AppConfig


class GradebookConfig(AppConfig):
    """Sổ điểm điện tử: scores, comments, conduct, attendance, locks, term/year closing."""

    name = "hocba.gradebook"
    label = "gradebook"
    verbose_name = "Sổ điểm điện tử"

    def ready(self) -> None:
        from hocba.gradebook import permissions  # noqa: F401  (registers the gradebook rules)
