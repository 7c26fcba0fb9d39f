"""Access rules of the signing pages (merged into tests/core/test_access_matrix.py).

The class page: the school board and the class's teachers; the school page: the school board; the
certificate provisioning page: the Department (every school), the commune (its THCS schools), the
school admin and the principal; the validation page: every officer and staff member.
"""

from __future__ import annotations

SCHOOL_BOARD = {"bgh", "hieutruong", "phohieutruong"}
STAFF = SCHOOL_BOARD | {"gvcn", "gvbm"}

PAGES = {
    "signing:class": STAFF,
    "signing:class_status": STAFF,
    "signing:school": SCHOOL_BOARD,
    "signing:school_status": SCHOOL_BOARD,
    "signing:certificates": {"so", "xa", "bgh", "hieutruong"},
    "signing:validate": STAFF | {"so", "xa"},
}
#: POST-only endpoints; tested with bodies in tests/signing/test_pages.py.
API_WRITES = {"signing:class_confirm", "signing:class_sign", "signing:school_sign", "signing:certificate_upload",
              "signing:approval_signer"}  # tests/signing/test_approval_signer.py


def url_kwargs(name: str):
    return None  # the matrix's defaults: gvcn's class and its school
