from django.apps import AppConfig


class GradebookConfig(AppConfig):
    """Sổ điểm điện tử: scores, comments, conduct, attendance, locks, term/year closing."""

    name = "hocba.gradebook"
    label = "gradebook"
    verbose_name = "Sổ điểm điện tử"
