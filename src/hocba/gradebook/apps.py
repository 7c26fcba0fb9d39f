from django.apps import AppConfig


class GradebookConfig(AppConfig):
    """Sổ điểm điện tử: scores, comments, conduct, attendance, locks, term/year closing."""

    name = "hocba.gradebook"
    label = "gradebook"
    verbose_name = "Sổ điểm điện tử"

    def ready(self) -> None:
        from hocba.demo.seed import SEED_EXTENSIONS
        from hocba.gradebook import links, permissions  # noqa: F401  (permissions registers the gradebook rules)
        from hocba.gradebook.demo import seed_gradebook

        if seed_gradebook not in SEED_EXTENSIONS:
            SEED_EXTENSIONS.append(seed_gradebook)
        links.register()  # the class and school pages' links to the gradebook pages
