"""One conformance test for every signer backend (file, PKCS#11 token, remote hash signing),
plus the remote service's refusals and time-outs."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from hocba.signing.core import pades
from hocba.signing.core.backends import RemoteHashBackend, RemoteSigningError, SignerBackend
from hocba.signing.core.validate import validate_pdf

from .conftest import BOX_PRINCIPAL, p12_backend, pkcs11_backend, remote_backend


@pytest.fixture(params=["pkcs12", "pkcs11", "remote"])
def principal_backend(request, pki):
    """The principal's key behind each backend kind."""
    if request.param == "pkcs12":
        backend = p12_backend(pki, "hieutruong")
    elif request.param == "pkcs11":
        backend = pkcs11_backend(pki, request.getfixturevalue("softhsm"))
    else:
        backend = remote_backend(request.getfixturevalue("remote_ca"))
    yield backend
    backend.close()


def test_every_backend_signs_a_valid_timestamped_signature(principal_backend, pki, trust, signed_chain) -> None:
    backend: SignerBackend = principal_backend
    assert isinstance(backend, SignerBackend)
    assert backend.certificate == pki.person("hieutruong").certificate
    assert pki.issuing_ca in backend.chain
    pdf = pades.add_signature_field_and_sign(
        signed_chain[0],
        field_name="hieutruong",
        box=BOX_PRINCIPAL,
        backend=backend,
        role_label=pades.ROLE_PRINCIPAL,
        timestamp_url=trust.timestamp,
        trust_roots=[pki.root],
        embed_revocation_info=True,
    )
    report = validate_pdf(pdf, [pki.root])
    assert report.all_valid, report.problems
    principal = report.signatures[1]
    assert principal.signer_name == "Trần Văn Bình" and principal.role_label == "Hiệu trưởng"
    assert principal.timestamp_valid and principal.revocation == "good"


def test_pkcs11_key_stays_on_the_token(pki, softhsm) -> None:
    backend = pkcs11_backend(pki, softhsm)
    try:
        data = b"to be signed"
        sig = asyncio.run(backend.signer.async_sign_raw(data, "sha256"))
        pki.person("hieutruong").certificate.public_key().verify(sig, data, ec.ECDSA(hashes.SHA256()))
        assert backend.kind == "pkcs11"
    finally:
        backend.close()


def test_pkcs11_wrong_pin_is_a_clear_error(softhsm) -> None:
    from hocba.signing.core.backends import Pkcs11Backend

    with pytest.raises(pades.SigningError, match="mã PIN"):
        Pkcs11Backend(softhsm["module"], softhsm["token"], "000000", softhsm["label"])


def test_remote_service_only_receives_a_hash(pki, remote_ca, trust, signed_chain) -> None:
    backend = remote_backend(remote_ca)
    pades.add_signature_field_and_sign(
        signed_chain[0],
        field_name="hieutruong",
        box=BOX_PRINCIPAL,
        backend=backend,
        role_label=pades.ROLE_PRINCIPAL,
        timestamp_url=trust.timestamp,
    )
    assert [len(d) for d in remote_ca.received_digests] == [32]


def test_remote_waits_for_the_phone_confirmation(pki, remote_ca) -> None:
    remote_ca.auto_confirm_after = None
    backend = remote_backend(remote_ca)
    digest = hashlib.sha256(b"hoc ba").digest()

    async def phone_confirms_later() -> bytes:
        task = asyncio.create_task(backend.sign_digest(digest))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if remote_ca.pending():
                break
        assert not task.done()  # still waiting for the user
        await asyncio.to_thread(remote_ca.confirm, remote_ca.pending()[0])
        return await task

    sig = asyncio.run(phone_confirms_later())
    pki.person("hieutruong").certificate.public_key().verify(sig, digest, ec.ECDSA(Prehashed(hashes.SHA256())))


@pytest.mark.parametrize(
    ("behaviour", "code", "words"),
    [
        ("reject", "SIGNER_REJECTED", "từ chối"),
        ("expire", "EXPIRED", "hết hạn"),
    ],
)
def test_remote_rejection_and_expiry(remote_ca, signed_chain, behaviour, code, words) -> None:
    remote_ca.auto_confirm_after = None
    remote_ca.behaviour = behaviour
    backend = remote_backend(remote_ca)
    with pytest.raises(RemoteSigningError) as err:
        pades.add_signature_field_and_sign(
            signed_chain[0],
            field_name="hieutruong",
            box=BOX_PRINCIPAL,
            backend=backend,
            role_label=pades.ROLE_PRINCIPAL,
        )
    assert err.value.code == code and words in err.value.message


def test_remote_our_own_timeout(remote_ca) -> None:
    remote_ca.auto_confirm_after = None
    backend = remote_backend(remote_ca, timeout=0.3)
    with pytest.raises(RemoteSigningError) as err:
        asyncio.run(backend.sign_digest(hashlib.sha256(b"x").digest()))
    assert err.value.code == "TIMEOUT" and "Hết thời gian chờ" in err.value.message


def test_remote_invalid_credentials_and_unknown_user(remote_ca) -> None:
    with pytest.raises(RemoteSigningError) as err:
        RemoteHashBackend(remote_ca.base_url, "hocba", "wrong", "031075004321")
    assert err.value.code == "CREDENTIAL_INVALID" and "không hợp lệ" in err.value.message
    with pytest.raises(RemoteSigningError) as err:
        RemoteHashBackend(remote_ca.base_url, "hocba", "s3cret", "999999999999")
    assert err.value.code == "USER_NOT_FOUND"


def test_remote_certificate_no_longer_valid(remote_ca) -> None:
    remote_ca.users["031075004321"].cert_status = "REVOKED"
    with pytest.raises(RemoteSigningError) as err:
        remote_backend(remote_ca)
    assert err.value.code == "CREDENTIAL_STATUS_INVALID"


def test_remote_service_down() -> None:
    with pytest.raises(RemoteSigningError) as err:
        RemoteHashBackend("http://127.0.0.1:9", "hocba", "s3cret", "031075004321")
    assert err.value.code == "UNREACHABLE"


def test_interrupted_remote_signing_survives_between_two_steps(pki, remote_ca, trust, signed_chain) -> None:
    """Prepare → send the hash → (the request ends; the user confirms later) → finish from stored state."""
    import dataclasses
    import pickle

    remote_ca.auto_confirm_after = None
    backend = remote_backend(remote_ca)

    async def step_one():
        pending = await pades.async_prepare_signature(
            signed_chain[0],
            box=BOX_PRINCIPAL,
            certificate=backend.certificate,
            chain=backend.chain,
            role_label=pades.ROLE_PRINCIPAL,
            timestamp_url=trust.timestamp,
            trust_roots=[pki.root],
        )
        import aiohttp

        async with aiohttp.ClientSession() as session:
            tran = await backend.request_signature(session, pending.data_digest)
        return pending, tran

    pending, tran = asyncio.run(step_one())
    stored = pickle.dumps(dataclasses.asdict(pending))  # what the workflow would keep in its database
    remote_ca.confirm(tran)  # the principal confirms on the phone, minutes later

    async def step_two():
        import aiohttp

        restored = pades.PendingSignature(**pickle.loads(stored))  # noqa: S301 - our own bytes
        async with aiohttp.ClientSession() as session:
            signature = await backend.wait_for_signature(session, tran)
        return await pades.async_finish_signature(restored, signature)

    pdf = asyncio.run(step_two())
    report = validate_pdf(pdf, [pki.root])
    assert report.all_valid, report.problems
    assert report.signatures[1].signer_name == "Trần Văn Bình" and report.signatures[1].timestamp_valid
    assert remote_ca.received_digests == [pending.data_digest]


def test_precomputed_signed_attributes_are_pyhankos_own(principal_backend) -> None:
    """The signing-certificate-v2 attribute built once per signer gives the bytes pyHanko's default
    PAdES attribute spec gives, for every backend (only the cost differs)."""
    from pyhanko.sign.attributes import SignedAttributeProviderSpec

    signer = principal_backend.signer
    spec = signer.signed_attr_prov_spec
    assert isinstance(spec, SignedAttributeProviderSpec)
    digest = hashlib.sha256(b"hoc ba").digest()
    ours = asyncio.run(signer.signed_attrs(digest, "sha256", use_pades=True)).dump()
    signer.signed_attr_prov_spec = None
    try:
        default = asyncio.run(signer.signed_attrs(digest, "sha256", use_pades=True)).dump()
    finally:
        signer.signed_attr_prov_spec = spec
    assert ours == default
    again = asyncio.run(signer.signed_attrs(hashlib.sha256(b"khac").digest(), "sha256", use_pades=True)).dump()
    assert again != ours and digest not in again
