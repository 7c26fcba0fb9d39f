"""The ``hocba`` command line.

``hocba assess`` runs the pure assessment engine without starting Django (it is a
filter over JSON and must be fast). Every other command is a Django management
command of one of hocba's apps, named with hyphens (``seed-demo`` → ``seed_demo``);
``hocba manage …`` reaches any Django management command.
"""

from __future__ import annotations

import os
import sys

LIGHT_COMMANDS = {
    "assess": ("hocba.assessment.cli", "Tính kết quả đánh giá theo Thông tư 22 (JSON vào stdin, JSON ra stdout)"),
}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    import django

    django.setup()


def _hocba_commands() -> dict[str, str]:
    """Management commands that belong to hocba's own apps, with their help text."""
    from django.core.management import get_commands, load_command_class

    found = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith("hocba."):
            cmd = load_command_class(app, name)
            found[name.replace("_", "-")] = (cmd.help or "").strip().splitlines()[0] if cmd.help else ""
    return found


def _print_help() -> None:
    _setup_django()
    print("Cách dùng: hocba <lệnh> [tham số]\n\nCác lệnh:")
    rows = {name: text for name, (_, text) in LIGHT_COMMANDS.items()}
    rows.update(_hocba_commands())
    rows["manage"] = "Chạy một lệnh quản trị Django bất kỳ (hocba manage help)"
    width = max(len(n) for n in rows)
    for name in sorted(rows):
        print(f"  {name.ljust(width)}  {rows[name]}")
    print("\nXem chi tiết: hocba <lệnh> --help")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        _print_help()
        return 0
    command, rest = argv[0], argv[1:]
    if command in LIGHT_COMMANDS:
        import importlib

        module = importlib.import_module(LIGHT_COMMANDS[command][0])
        return int(module.main(rest) or 0)
    _setup_django()
    from django.core.management import execute_from_command_line

    if command == "manage":
        execute_from_command_line(["hocba manage", *rest])
        return 0
    name = command.replace("-", "_")
    if command not in _hocba_commands():
        print(f"hocba: không có lệnh '{command}'. Xem: hocba --help", file=sys.stderr)
        return 2
    try:
        execute_from_command_line([f"hocba {command}", name, *rest])
    except SystemExit as exc:  # management commands report refusal by exit status
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
