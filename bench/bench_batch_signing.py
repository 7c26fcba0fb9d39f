"""Benchmark: the principal's batch through the Django path ("Ký toàn trường").

    .venv/bin/python bench/bench_batch_signing.py [--n 1500] [--level B-T|B-LT] [--cpus 1]

Sets up a fresh SQLite database in a temporary folder (the demo city with one school of ≥ N
students, its demo PKI and certificates), renders ONE học bạ, has the homeroom teacher sign it, and
reuses that PDF for N record versions awaiting the principal (rendering is measured by
bench_render.py). Then runs ``signing_batch_start(school=…, role="principal", run_inline=True)`` —
the real path: certificate check, ``sign_many`` with overlapped time-stamp round trips, every result
stored under the version's row lock with the base-hash re-check, the archive write and the audit
record. The signing process is pinned to ``--cpus`` CPU(s) (default 1); the demo TSA/OCSP runs in a
separate process (as a real TSA would), pinned elsewhere when possible.

Prints records per second per core (process CPU time: the machine is shared, so wall clock is noisy)
and on the wall clock. Floors measured in the same run:
* the raw private-key operation: ``cryptography`` signing a SHA-256 digest with the principal's key;
* rendering alone: the sample học bạ through Typst (``render_record``), as composing a record does;
* the core ``sign_many`` without Django on the same PDFs (no database, no archive, no audit).

Target (issue 6): ≥ 30 records/s per core at B-T with a file-based key; 1,500 in under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _serve(pki_dir: str, ready, stop, cpu: int | None) -> None:  # pragma: no cover - child process
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    from hocba.signing.core.pki import DemoPKI
    from hocba.signing.core.services import running_trust_services

    pki = DemoPKI.load_or_create(Path(pki_dir), people=(), with_refusal_cases=False)
    with running_trust_services(pki):
        ready.set()
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--level", choices=["B-T", "B-LT"], default="B-T")
    parser.add_argument("--cpus", type=int, default=1)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="hocba-bench-sign-"))
    os.environ["HOCBA_DATA_DIR"] = str(data)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.HOCBA_DEMO_GRADEBOOK = False
    settings.HOCBA_SIGNING_LEVEL = args.level
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", interactive=False, verbosity=0)

    from hocba.demo.seed import seed_city
    from hocba.signing import pki as site_pki

    t = time.perf_counter()
    seed_city(schools=1, students=args.n + 40, seed=11)
    print(f"setup: demo city with {args.n + 40} students in {time.perf_counter() - t:.1f} s", file=sys.stderr)

    # The trust services in another process, on the demo PKI's port (the site then uses them).
    cpus = sorted(os.sched_getaffinity(0))
    ready, stop = mp.Event(), mp.Event()
    server = mp.Process(target=_serve, args=(str(site_pki.demo_pki_dir()), ready, stop,
                                             cpus[-1] if len(cpus) > args.cpus else None), daemon=True)
    server.start()
    ready.wait(60)
    os.sched_setaffinity(0, set(cpus[: args.cpus]))
    try:
        _run(args)
    finally:
        stop.set()
        server.join(10)


def _fixture(n: int):
    """N record versions awaiting the principal, all sharing one homeroom-signed PDF."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from hocba.people.models import ACTIVE_STATUSES, Enrolment, Teacher
    from hocba.records import archive
    from hocba.records.document import PRIMARY_ROLES, render_record, sample_record
    from hocba.records.models import RecordStatus, RecordVersion, YearRecord
    from hocba.signing.backends import backend_for
    from hocba.signing.core import pades
    from hocba.signing.core.pki import DEMO_PASSPHRASE
    from hocba.signing.models import Certificate, Signature, SignRole
    from hocba.signing.workflow import field_name

    rendered = render_record(sample_record())
    boxes = {r: rendered.signature_boxes[r] for r in PRIMARY_ROLES}
    prepared = pades.prepare_signature_fields(rendered.pdf, [
        pades.SignatureBox(field_name(r), b.page_index, b.x1, b.y1, b.x2, b.y2) for r, b in boxes.items()])
    gvcn_teacher = Teacher.objects.get(user__username="gvcn")
    cert = Certificate.objects.filter(teacher=gvcn_teacher, revoked=False).first()
    backend = backend_for(cert, DEMO_PASSPHRASE)
    from hocba.signing import pki as site_pki

    b = boxes["homeroom"]
    signed = pades.add_signature_field_and_sign(
        prepared, field_name=field_name("homeroom"), box=(b.page_index, b.x1, b.y1, b.x2, b.y2), backend=backend,
        role_label=pades.ROLE_HOMEROOM, timestamp_url=site_pki.timestamp_url(), trust_roots=site_pki.trust_roots(),
        check_certificate=False)
    backend.close()
    base_sha = archive.archive_put(prepared, "application/pdf")
    signed_sha = archive.archive_put(signed, "application/pdf")
    school = gvcn_teacher.school
    enrolments = list(Enrolment.objects.filter(class_group__school=school, status__in=ACTIVE_STATUSES)
                      .select_related("class_group", "class_group__school_year")[:n])
    assert len(enrolments) >= n, f"only {len(enrolments)} students"
    now = timezone.now()
    records = YearRecord.objects.bulk_create([
        YearRecord(student_id=e.student_id, school_year=e.class_group.school_year, school=school,
                   class_group=e.class_group, level=school.level if school.level in ("THCS", "THPT") else "THCS",
                   grade=e.class_group.grade) for e in enrolments])
    records = list(YearRecord.objects.filter(school=school).order_by("pk"))
    box_json = {r: [bx.page_index, bx.x1, bx.y1, bx.x2, bx.y2] for r, bx in rendered.signature_boxes.items()}
    versions = RecordVersion.objects.bulk_create([
        RecordVersion(year_record=r, number=1, status=RecordStatus.SIGNING, document={"subjects": []},
                      json_sha256="0" * 64, pdf_sha256=base_sha, signed_pdf_sha256=signed_sha,
                      verification_code=f"BENCH{i:011d}", signature_boxes=box_json, created_at=now)
        for i, r in enumerate(records)])
    versions = list(RecordVersion.objects.filter(year_record__school=school).order_by("year_record_id"))
    for r, v in zip(records, versions, strict=True):
        r.current_version = v
    YearRecord.objects.bulk_update(records, ["current_version"], batch_size=500)
    Signature.objects.bulk_create([
        Signature(version=v, role=SignRole.HOMEROOM, signer_name=gvcn_teacher.full_name,
                  role_label=pades.ROLE_HOMEROOM, certificate=cert, signed_at=now, pdf_sha256=signed_sha,
                  field_name=field_name("homeroom")) for v in versions], batch_size=500)
    return school, get_user_model().objects.get(username="hieutruong"), signed, boxes["principal"]


def _run(args) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from cryptography.hazmat.primitives.serialization import pkcs12

    from hocba.people.models import Teacher
    from hocba.records.document import render_record, sample_record
    from hocba.signing import pki as site_pki
    from hocba.signing.backends import backend_for
    from hocba.signing.batch import signing_batch_start
    from hocba.signing.core import pades
    from hocba.signing.core.pki import DEMO_PASSPHRASE
    from hocba.signing.models import Certificate, Signature
    from hocba.signing.workflow import _options

    t = time.perf_counter()
    school, principal, homeroom_pdf, pbox = _fixture(args.n)
    print(f"setup: {args.n} versions awaiting the principal in {time.perf_counter() - t:.1f} s", file=sys.stderr)

    # Floor 1: the raw private-key operation with the principal's key.
    ht_cert = Certificate.objects.get(teacher=Teacher.objects.get(user__username="hieutruong"), revoked=False)
    backend = backend_for(ht_cert, DEMO_PASSPHRASE)
    path = site_pki.demo_pki().person(ht_cert.backend_ref["pki_key"]).p12_path
    key, _, _ = pkcs12.load_key_and_certificates(path.read_bytes(), DEMO_PASSPHRASE.encode())
    digest = os.urandom(32)
    raw_n, c = 0, time.process_time()
    while time.process_time() - c < 1.0:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        else:
            key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        raw_n += 1
    raw_rate = raw_n / (time.process_time() - c)

    # Floor 2: rendering alone (the sample học bạ through Typst, as composing a record does).
    render_record(sample_record(seed=1))  # warm-up: fonts, template
    render_n, c = 10, time.process_time()
    for i in range(render_n):
        render_record(sample_record(seed=i + 2))
    render_rate = render_n / (time.process_time() - c)

    # Floor 3: the core sign_many on the same PDFs, no Django (a sample of the batch size).
    core_n = min(args.n, 300)
    jobs = [pades.SignJob(key=i, pdf=homeroom_pdf, box=pades.SignatureBox(
        "hocba_principal", pbox.page_index, pbox.x1, pbox.y1, pbox.x2, pbox.y2), role_label=pades.ROLE_PRINCIPAL,
        signer_name="Hiệu trưởng") for i in range(core_n)]
    options = _options(site_pki.trust_roots())
    t, c = time.perf_counter(), time.process_time()
    results = asyncio.run(pades.sign_many(jobs, backend=backend, options=options))
    core_wall, core_cpu = time.perf_counter() - t, time.process_time() - c
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    backend.close()

    # The Django batch.
    t, c = time.perf_counter(), time.process_time()
    batch = signing_batch_start(school=school, role="principal", by=principal, secret=DEMO_PASSPHRASE,
                                run_inline=True)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    signed = Signature.objects.filter(role="principal").count()
    assert batch.failed == 0 and signed == args.n, (batch.failed, signed, batch.messages[:3])
    rate, per_cpu = args.n / elapsed, args.n / cpu
    core_per_cpu = core_n / core_cpu
    print(f"principal batch via Django ({args.level}, {args.n} records, signing process pinned to {args.cpus} CPU, "
          f"TSA in its own process; load average {os.getloadavg()[0]:.1f}):")
    print(f"  per core (CPU time): {per_cpu:7.1f} records/s  ({cpu / args.n * 1000:.1f} ms CPU per record)")
    print(f"  wall clock:          {rate:7.1f} records/s  ({elapsed:.1f} s; 1,500 records ≈ {1500 / rate:.0f} s)")
    print("floors measured in this run:")
    print(f"  raw private-key operation (cryptography, SHA-256 digest): {raw_rate:8.0f} /s per core "
          f"→ batch = {per_cpu / raw_rate:.2%} of it")
    print(f"  rendering alone (sample học bạ, Typst):                   {render_rate:8.1f} /s per core "
          f"→ render + sign ≈ {1 / (1 / per_cpu + 1 / render_rate):.1f} records/s per core")
    print(f"  core sign_many without Django ({core_n} records):           {core_per_cpu:8.1f} /s per core "
          f"({core_cpu / core_n * 1000:.1f} ms CPU, {core_n / core_wall:.1f}/s wall) → Django adds "
          f"{(cpu / args.n - core_cpu / core_n) * 1000:.1f} ms per record")
    print(f"target ≥ 30 records/s per core: {'MET' if per_cpu / args.cpus >= 30 else 'NOT MET'} "
          f"(ratio {per_cpu / args.cpus / 30:.2f}); 1,500 in under a minute on this run's wall clock: "
          f"{'yes' if 1500 / rate < 60 else 'no'}")
    print(json.dumps({"records_per_cpu_s": round(per_cpu, 2), "records_per_s_wall": round(rate, 2),
                      "cpu_ms_per_record": round(cpu / args.n * 1000, 2), "key_ops_per_s": round(raw_rate),
                      "render_per_s": round(render_rate, 2), "core_per_cpu_s": round(core_per_cpu, 2),
                      "n": args.n, "level": args.level, "load_avg_1m": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
