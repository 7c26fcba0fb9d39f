"""Demo PKI for ``seed-demo``: a test CA, a TSA, and certificates for the demo school's staff."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding

from hocba.org.models import School
from hocba.people.models import Teacher
from hocba.signing.core.pki import PersonSpec
from hocba.signing.models import BackendKind
from hocba.signing.pki import demo_pki
from hocba.signing.services import certificate_register, trust_root_add

#: How many schools of the demo city get certificates for their staff (the rest show provisioning gaps).
SCHOOLS_WITH_CERTIFICATES = 1


def seed_signing(result, rng) -> None:
    pki = demo_pki()
    trust_root_add(name="hocba Demo Root CA (chỉ dùng thử nghiệm)", pem=pki.root.public_bytes(Encoding.PEM))
    schools = list(School.objects.filter(teachers__user__isnull=False).distinct().order_by("pk")
                   [:SCHOOLS_WITH_CERTIFICATES])
    for school in schools:
        teachers = Teacher.objects.filter(school=school).order_by("pk")
        for teacher in teachers:
            spec = PersonSpec(f"t{teacher.pk}", teacher.full_name, teacher.personal_id or "")
            issued = pki.issue(spec)
            certificate_register(data=issued.cert_path.read_bytes(), school=school, teacher=teacher,
                                 backend=BackendKind.PKCS12, backend_ref={"pki_key": spec.key})
        seal = pki.issue(PersonSpec(f"s{school.pk}", school.name, organisation=True))
        certificate_register(data=seal.cert_path.read_bytes(), school=school, is_seal=True,
                             backend=BackendKind.PKCS12, backend_ref={"pki_key": f"s{school.pk}"})


def seed_records(result, rng) -> None:
    """Compose the demo homeroom class's records and sign the demo student's through the whole workflow,
    so the demo shows a book with a sealed year (needs the demo year of scores, closed)."""
    from django.conf import settings

    from hocba.org.models import ClassGroup
    from hocba.records.models import YearRecord
    from hocba.records.services import compose_class
    from hocba.signing.workflow import sign_sample

    if not getattr(settings, "HOCBA_DEMO_GRADEBOOK", True):
        return
    class_group = ClassGroup.objects.filter(homeroom_teacher__user__username="gvcn").first()
    if class_group is None:
        return
    compose_class(class_group=class_group)
    record = YearRecord.objects.filter(student__user__username="hocsinh").select_related("current_version").first()
    if record and record.current_version:
        sign_sample(record.current_version)
