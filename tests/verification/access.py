"""Access rules of the verification pages and the family portal (merged into tests/core/test_access_matrix.py)."""

from __future__ import annotations

from tests.conftest import ROLE_USERS

FAMILY = {"hocsinh", "phuhuynh"}

PAGES = {
    "verification:family": FAMILY,
    "verification:security": FAMILY,
    "verification:accounts": {"bgh", "hieutruong"},
    # Any signed-in user may set their own password / enter their e-mailed code.
    "verification:password": set(ROLE_USERS),
    "verification:password_family": set(ROLE_USERS),  # the address printed on the first family sheets
    "verification:otp": set(ROLE_USERS),
}
#: Anyone, no login: verification by code / QR / file, share links, and the public verification API.
PUBLIC_PAGES = {"verification:verify", "verification:verify_upload", "verification:verify_code",
                "verification:share_public", "api:api_verify_code", "api:api_verify_pdf"}
#: Writes and object-bound downloads, tested with their objects in tests/verification/test_family.py.
API_WRITES = {"verification:share_create", "verification:share_revoke", "verification:share_qr",
              "verification:family_download", "verification:accounts_create"}


def url_kwargs(name: str):
    return None
