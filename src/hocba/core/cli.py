"""What every ``hocba`` command shares: Vietnamese refusals, help and error lines.

Django's management commands speak English in three places a school's IT officer sees: argparse's
own refusals ("the following arguments are required"), the help of Django's options
(``--verbosity``, ``--settings`` …) and the line that reports a refused command
("CommandError: …"). :class:`Command` says all three in Vietnamese; hocba's commands derive from it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, SystemCheckError

#: argparse's own refusals (it has no Vietnamese catalogue), as Vietnamese: (pattern, replacement).
_ARGPARSE_VI = [
    (r"the following arguments are required: (.+)", r"thiếu tham số bắt buộc: \1"),
    (r"one of the arguments (.+) is required", r"cần một trong các tham số \1"),
    (r"unrecognized arguments: (.+)", r"không hiểu tham số: \1"),
    (r"ambiguous option: (\S+) could match (.+)", r"tham số \1 không rõ, có thể là \2"),
    (r"argument (\S+): not allowed with argument (\S+)", r"không dùng \1 cùng với \2"),
    (r"argument (\S+): expected one argument", r"\1 cần một giá trị"),
    (r"argument \{\S+\}: invalid choice: (.+) \(choose from (.+)\)", r"không có lệnh \1 (các lệnh: \2)"),
    (r"argument (\S+): invalid choice: (.+) \(choose from (.+)\)", r"\1 không nhận \2 (chọn một trong: \3)"),
    (r"argument (\S+): invalid \S+ value: (.+)", r"\1 không nhận giá trị \2"),
    (r"argument (\S+): (.+)", r"\1: \2"),  # a refusal of a command's own type function, already Vietnamese
]
_HELP_VI = {"usage: ": "Cách dùng: ", "positional arguments:": "tham số:", "options:": "tùy chọn:"}

#: The help of the options Django gives every command, by option.
_OPTION_HELP_VI = {
    "--help": "in hướng dẫn này rồi thoát",
    "--version": "in phiên bản rồi thoát",
    "--verbosity": "mức chi tiết của thông báo: 0 ít nhất, 1 bình thường, 2 chi tiết, 3 rất chi tiết",
    "--settings": "mô-đun cấu hình Python, ví dụ hocba.settings (mặc định: biến môi trường "
                  "DJANGO_SETTINGS_MODULE)",
    "--pythonpath": "thư mục thêm vào đường dẫn Python",
    "--traceback": "khi lệnh bị từ chối, in toàn bộ vết lỗi (cho người phát triển)",
    "--no-color": "không tô màu đầu ra",
    "--force-color": "luôn tô màu đầu ra",
    "--skip-checks": "bỏ qua kiểm tra hệ thống",
}


def argparse_vi(message: str) -> str:
    for pattern, replacement in _ARGPARSE_VI:
        if re.fullmatch(pattern, message, flags=re.DOTALL):
            return re.sub(pattern, replacement, message, count=1, flags=re.DOTALL)
    return message


class VietnameseParser(CommandParser):
    """Django's parser, refusing wrong arguments in Vietnamese (exit status 2, or CommandError in-process)."""

    def error(self, message):
        message = argparse_vi(message)
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog}: lỗi: {message}\n")
        raise CommandError(f"Lỗi: {message}")

    def format_usage(self):
        return self._vi(super().format_usage())

    def format_help(self):
        return self._vi(super().format_help())

    @staticmethod
    def _vi(text: str) -> str:
        for english, vietnamese in _HELP_VI.items():
            text = text.replace(english, vietnamese)
        return text


class Command(BaseCommand):
    """A hocba management command: Vietnamese arguments, help and refusals.

    A refused command (``CommandError``) prints one line ``Lỗi: …`` on standard error and exits with
    the error's status (1 unless it says otherwise), where Django prints ``CommandError: …``. Run from
    the command line on a database whose tables are missing or out of date, a command that reads it
    says to migrate first (instead of a traceback from its first query); see
    :meth:`needs_migrated_database`.
    """

    def needs_migrated_database(self, options: dict) -> bool:
        """Whether this run reads the database (False for a command that migrates it first)."""
        return True

    def create_parser(self, prog_name, subcommand, **kwargs):
        words = prog_name.split()  # "hocba seed-demo" with "seed_demo", when run as ``hocba seed-demo``
        if len(words) > 1 and words[-1].replace("-", "_") == subcommand:
            prog_name, subcommand = " ".join(words[:-1]), words[-1]  # usage: "hocba seed-demo …"
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = VietnameseParser  # Django builds a plain CommandParser; ours only rewords it
        for action in parser._actions:
            for option in action.option_strings:
                if option in _OPTION_HELP_VI:
                    action.help = _OPTION_HELP_VI[option]
        return parser

    def execute(self, *args, **options):
        try:
            if getattr(self, "_called_from_command_line", False) and self.needs_migrated_database(options):
                require_migrated_database()
            return super().execute(*args, **options)
        except CommandError as exc:
            if (not getattr(self, "_called_from_command_line", False) or options.get("traceback")
                    or isinstance(exc, SystemCheckError)):
                raise
            message = str(exc)
            self.stderr.write(message if message.startswith("Lỗi") else f"Lỗi: {message}")
            sys.exit(exc.returncode)


def require_migrated_database() -> None:
    """CommandError unless every migration is applied to the default database."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):  # never migrated, or not up to date
        raise CommandError("Cơ sở dữ liệu chưa được tạo hoặc chưa cập nhật cấu trúc; "
                           "hãy chạy trước: hocba manage migrate")


def write_private_csv(path: str | Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a CSV that only its owner may read (initial passwords …), as UTF-8 with a byte-order mark so that
    Excel shows the Vietnamese names."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that was there keeps its mode through O_CREAT: narrow it too
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(buffer.getvalue())
    return path
