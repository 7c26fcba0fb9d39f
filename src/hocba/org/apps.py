from django.apps import AppConfig


class OrgConfig(AppConfig):
    """The school system: Department → communes/wards → schools; years, terms, deadlines, subjects, classes."""

    name = "hocba.org"
    label = "org"
    verbose_name = "Tổ chức trường học"
