from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """Students, guardians, teachers (trích ngang) and enrolments."""

    name = "hocba.people"
    label = "people"
    verbose_name = "Học sinh và giáo viên"

    def ready(self) -> None:
        from hocba.people import links

        links.register()  # the class page's link to "Thêm học sinh"
