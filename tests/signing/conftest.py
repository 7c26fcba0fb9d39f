"""Fixtures for the signing core: a demo PKI, live trust services on loopback, a học bạ-like PDF,
a SoftHSM2 token and a fake remote-signing provider. Pure (no Django)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import typst
from cryptography.hazmat.primitives import serialization

from hocba.signing.core import pades
from hocba.signing.core.backends import Pkcs11Backend, Pkcs12Backend, RemoteHashBackend
from hocba.signing.core.fake_remote_ca import FakeRemoteCA, RemoteUser
from hocba.signing.core.pki import DemoPKI
from hocba.signing.core.services import TrustServiceUrls, running_trust_services

SOFTHSM_LIB = "/usr/lib/softhsm/libsofthsm2.so"

#: Boxes of the second page of the test document, in signing order (PDF points).
BOX_HOMEROOM = pades.SignatureBox("gvcn", 1, 60, 60, 280, 140)
BOX_PRINCIPAL = pades.SignatureBox("hieutruong", 1, 315, 60, 535, 140)
BOX_SEAL = pades.SignatureBox("truong", 1, 315, 150, 535, 200)
BOXES = (BOX_HOMEROOM, BOX_PRINCIPAL, BOX_SEAL)

TEST_DOC = r"""
#set page(paper: "a4", margin: 2cm)
#set text(font: "Libertinus Serif", size: 11pt, lang: "vi")
= HỌC BẠ TRUNG HỌC CƠ SỞ
Họ và tên học sinh: Nguyễn Văn An — Lớp 6A1 — Năm học 2025-2026

#table(columns: (1fr, auto, auto, auto), [Môn học], [Học kì I], [Học kì II], [Cả năm],
  [Ngữ văn], [7,8], [8,2], [8,1], [Toán], [6,5], [7,0], [6,8], [Tiếng Anh], [8,0], [8,4], [8,3])
#pagebreak()
== Tổng hợp kết quả
Nhận xét của giáo viên chủ nhiệm: Em chăm ngoan, tiến bộ rõ rệt.
#place(bottom + left, dx: 0pt, dy: 0pt, box(width: 226pt, height: 85pt, stroke: 0.5pt)[Giáo viên chủ nhiệm])
#place(bottom + right, box(width: 226pt, height: 85pt, stroke: 0.5pt)[Hiệu trưởng])
"""


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPKI:
    return DemoPKI.load_or_create(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def trust(pki: DemoPKI) -> Iterator[TrustServiceUrls]:
    with running_trust_services(pki) as urls:
        yield urls


@pytest.fixture(scope="session")
def raw_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A two-page học bạ-like PDF with Vietnamese text and empty boxes, no form fields."""
    src = tmp_path_factory.mktemp("doc") / "hocba.typ"
    src.write_text(TEST_DOC, encoding="utf-8")
    return bytes(typst.compile(str(src), format="pdf"))


@pytest.fixture(scope="session")
def unsigned_pdf(raw_pdf: bytes) -> bytes:
    """The test PDF with the three empty signature fields prepared (homeroom → principal → seal)."""
    return pades.prepare_signature_fields(raw_pdf, BOXES)


def p12_backend(pki: DemoPKI, key: str) -> Pkcs12Backend:
    person = pki.person(key)
    return Pkcs12Backend(person.p12_path, person.passphrase)


@pytest.fixture(scope="session")
def signed_chain(pki: DemoPKI, trust: TrustServiceUrls, unsigned_pdf: bytes) -> list[bytes]:
    """The PDF after each of the three sequential B-LT signatures (homeroom, principal, seal)."""
    out: list[bytes] = []
    pdf = unsigned_pdf
    for key, role, box in (
        ("gvcn", pades.ROLE_HOMEROOM, BOX_HOMEROOM),
        ("hieutruong", pades.ROLE_PRINCIPAL, BOX_PRINCIPAL),
        ("truong", pades.ROLE_SEAL, BOX_SEAL),
    ):
        pdf = pades.add_signature_field_and_sign(
            pdf,
            field_name=box.field_name,
            box=box,
            backend=p12_backend(pki, key),
            role_label=role,
            timestamp_url=trust.timestamp,
            trust_roots=[pki.root],
            embed_revocation_info=True,
        )
        out.append(pdf)
    return out


# ------------------------------------------------------------------ SoftHSM2
@pytest.fixture(scope="session")
def softhsm(pki: DemoPKI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A SoftHSM2 token 'hocba-test' holding the principal's key and certificate (label 'hieutruong')."""
    if not (Path(SOFTHSM_LIB).exists() and shutil.which("softhsm2-util") and shutil.which("pkcs11-tool")):
        pytest.skip("SoftHSM2/OpenSC not installed (apt-get install -y softhsm2 opensc)")
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin, so_pin = "123456", "12345678"
    env = dict(os.environ)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "hocba-test",
            "--pin",
            pin,
            "--so-pin",
            so_pin,
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    person = pki.person("hieutruong")
    key_der = base / "key.der"
    key_der.write_bytes(
        person.private_key().private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_der = base / "cert.der"
    cert_der.write_bytes(person.certificate.public_bytes(serialization.Encoding.DER))
    for path, kind in ((key_der, "privkey"), (cert_der, "cert")):
        subprocess.run(
            [
                "pkcs11-tool",
                "--module",
                SOFTHSM_LIB,
                "--login",
                "--pin",
                pin,
                "--token-label",
                "hocba-test",
                "--write-object",
                str(path),
                "--type",
                kind,
                "--id",
                "01",
                "--label",
                "hieutruong",
                "--usage-sign",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
    key_der.unlink()  # the key now lives only in the token
    yield {"module": SOFTHSM_LIB, "token": "hocba-test", "pin": pin, "label": "hieutruong"}
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


def pkcs11_backend(pki: DemoPKI, token: dict[str, str]) -> Pkcs11Backend:
    backend = Pkcs11Backend(token["module"], token["token"], token["pin"], token["label"])
    backend.add_chain([pki.issuing_ca])
    return backend


# ------------------------------------------------------------------ remote signing
@pytest.fixture
def remote_ca(pki: DemoPKI) -> Iterator[FakeRemoteCA]:
    """The fake SmartCA-style provider holding the principal's key (user id = their CCCD number)."""
    person = pki.person("hieutruong")
    users = {"031075004321": RemoteUser(person.certificate, person.private_key(), [pki.issuing_ca])}
    with FakeRemoteCA(users, client_id="hocba", client_secret="s3cret", auto_confirm_after=2) as fake:
        yield fake


def remote_backend(fake: FakeRemoteCA, **kwargs: object) -> RemoteHashBackend:
    params: dict = {"poll_interval": 0.05, "timeout": 10.0}
    params.update(kwargs)
    return RemoteHashBackend(fake.base_url, "hocba", "s3cret", "031075004321", **params)
