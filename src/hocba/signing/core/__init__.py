"""The signing core, independent of Django: demo PKI, trust services, signer backends, PAdES, validation.

* ``pki``           — ``DemoPKI.load_or_create(dir)``: root CA, issuing CA, TSA, OCSP responder, staff and
                      school certificates (PKCS#12 per person), refusal cases (expired, not yet valid, revoked).
* ``services``      — ``running_trust_services(pki)``: RFC 3161 TSA, OCSP and CRLs over HTTP on loopback.
* ``backends``      — ``SignerBackend`` protocol; ``Pkcs12Backend``, ``Pkcs11Backend``, ``RemoteHashBackend``.
* ``fake_remote_ca``— a SmartCA-style remote-signing service for tests and the demo.
* ``certificates``  — ``check_certificate_usable`` (refuse expired / not yet valid / revoked / wrong person),
                      ``certificate_facts`` (what the certificate registry stores).
* ``pades``         — ``prepare_signature_fields``, ``add_signature_field_and_sign``, ``sign_many`` (batch),
                      ``async_prepare_signature`` / ``async_finish_signature`` (interrupted remote signing).
* ``validate``      — ``validate_pdf(pdf, trust_roots) -> ValidationReport``.
"""
