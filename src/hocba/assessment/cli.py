"""``hocba assess``: a JSON array of students on stdin → a JSON array of results on stdout.

Exit status 0 when every student was assessed, 1 when at least one got ``{"error": …}``,
2 when stdin is not a JSON array (message in Vietnamese on stderr).
"""

from __future__ import annotations

import json
import sys

from hocba.assessment import tt22
from hocba.assessment.engine import evaluation_json
from hocba.assessment.errors import AssessmentInputError
from hocba.assessment.parse import prepare_json

USAGE = (
    "Cách dùng: hocba assess < hoc_sinh.json > ket_qua.json\n"
    "Đọc một mảng JSON các học sinh từ stdin, ghi mảng JSON kết quả (cùng thứ tự) ra stdout.\n"
    "Mã thoát: 0 thành công; 1 có học sinh lỗi dữ liệu; 2 đầu vào không phải mảng JSON."
)


def main(argv: list[str]) -> int:
    """Run the filter; ``argv`` are the arguments after ``assess``."""
    if argv and argv[0] in {"-h", "--help"}:
        print(USAGE)
        return 0
    if argv:
        print(f"hocba assess: không nhận tham số {' '.join(argv)}\n{USAGE}", file=sys.stderr)
        return 2
    raw = sys.stdin.buffer.read()
    try:
        students = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        print(f"hocba assess: đầu vào không phải JSON hợp lệ ({exc})", file=sys.stderr)
        return 2
    if not isinstance(students, list):
        print("hocba assess: đầu vào phải là một mảng JSON các học sinh", file=sys.stderr)
        return 2
    results: list[dict[str, object]] = []
    failed = False
    append = results.append
    evaluate = tt22.evaluate
    for student in students:
        try:
            prepared = prepare_json(student)
        except AssessmentInputError as exc:
            append({"error": str(exc)})
            failed = True
            continue
        append(evaluation_json(evaluate(prepared)))
    out = json.dumps(results, ensure_ascii=False)
    sys.stdout.buffer.write(out.encode("utf-8"))
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()
    return 1 if failed else 0
