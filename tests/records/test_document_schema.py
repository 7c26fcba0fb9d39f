"""The hocba.record/1 format: schema, Vietnamese validation messages, canonical JSON."""

from __future__ import annotations

import copy
import hashlib
import json
import unicodedata
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from hocba.records.document import (
    RecordInvalid,
    canonical_json,
    check_record,
    record_schema,
    record_sha256,
    sample_record,
    validate_record,
)
from hocba.records.document.validation import _fast_check, _validator

DOCS_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "record.schema.json"


@pytest.mark.parametrize("level", ["THCS", "THPT"])
@pytest.mark.parametrize("version", [1, 2])
def test_samples_are_valid(level, version):
    for seed in range(12):
        record = sample_record(level, seed=seed, version=version)
        assert validate_record(record) == [], (level, seed, version)


def test_thcs_sample_has_the_fourteen_rows_and_thpt_electives():
    thcs = [row["name"] for row in sample_record("THCS")["subjects"]]
    thpt = [row["name"] for row in sample_record("THPT")["subjects"]]
    assert len(thcs) == 14 and "Khoa học tự nhiên" in thcs and "Lịch sử và Địa lí" in thcs
    assert {"Vật lí", "Hoá học", "Sinh học", "Tin học", "Giáo dục quốc phòng và an ninh"} <= set(thpt)


def test_published_schema_is_the_one_the_code_uses():
    assert json.loads(DOCS_SCHEMA.read_text(encoding="utf-8")) == record_schema()
    Draft202012Validator.check_schema(record_schema())


def test_missing_name_is_named_in_vietnamese():
    record = sample_record()
    del record["student"]["full_name"]
    errors = validate_record(record)
    assert [e.path for e in errors] == ["student.full_name"]
    assert "Thiếu trường bắt buộc" in errors[0].message and "Họ và tên học sinh" in errors[0].message
    with pytest.raises(RecordInvalid) as caught:
        check_record(record)
    assert "Họ và tên học sinh" in str(caught.value)


def test_every_missing_identity_field_is_listed():
    record = sample_record()
    for key in ("birth_date", "ethnicity", "residence"):
        del record["student"][key]
    record["student"]["birth_place"] = ""
    labels = {e.label for e in validate_record(record)}
    assert {"Ngày sinh", "Dân tộc", "Chỗ ở hiện tại", "Nơi sinh"} <= labels


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda r: r["subjects"][1].update(year="7.8"), "subjects[1].year", "dấu phẩy"),
        (lambda r: r["student"].update(birth_date="31/02/2011"), "student.birth_date", "không có thật"),
        (lambda r: r["student"].update(birth_date="2011-02-03"), "student.birth_date", "dd/mm/yyyy"),
        (lambda r: r["student"].update(personal_id="03131182591"), "student.personal_id", "12 chữ số"),
        (lambda r: r.update(promotion="promoted"), "promotion", "không được phép"),
        (lambda r: r.update(grade=10), "grade", "ngoài khoảng"),
        (lambda r: r.update(version=2), "corrections", "ít nhất 1"),
        (lambda r: r["verification"].update(code="ABCD-EFGH"), "verification.code", "16 ký tự"),
        (lambda r: r.update(nickname="x"), "", "nickname"),
        (lambda r: r["study_history"].pop(), "study_history", "2025-2026"),
    ],
)
def test_bad_values_are_explained(mutate, path, words):
    record = sample_record()
    mutate(record)
    errors = validate_record(record)
    assert errors, "the mistake was not caught"
    assert any(e.path == path and words in e.message for e in errors), [e.message for e in errors]


def test_fast_and_full_validators_agree():
    """The fast path (fastjsonschema) must accept exactly what jsonschema accepts."""
    base = sample_record("THPT")
    mutations = []
    for key in list(base):
        mutations.append(lambda r, k=key: r.pop(k))
        mutations.append(lambda r, k=key: r.__setitem__(k, 12345))
    for key in list(base["student"]):
        mutations.append(lambda r, k=key: r["student"].__setitem__(k, ""))
    for key in list(base["subjects"][0]):
        mutations.append(lambda r, k=key: r["subjects"][0].__setitem__(k, " "))
        mutations.append(lambda r, k=key: r["subjects"][0].__setitem__(k, "CĐ"))
    mutations.append(lambda r: None)
    for mutate in mutations:
        record = copy.deepcopy(base)
        mutate(record)
        full_ok = _validator().is_valid(record)
        try:
            _fast_check()(record)
            fast_ok = True
        except Exception:
            fast_ok = False
        assert fast_ok == full_ok


def test_canonical_json_is_sorted_nfc_and_compact():
    record = sample_record()
    nfd = json.loads(json.dumps(record))
    nfd["student"]["full_name"] = unicodedata.normalize("NFD", record["student"]["full_name"])
    reordered = dict(reversed(list(nfd.items())))
    data = canonical_json(reordered)
    assert data == canonical_json(record)
    text = data.decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert record["student"]["full_name"] in text  # UTF-8, not \\u escapes
    assert text.startswith('{"awards":[') and '"format":"hocba.record/1"' in text
    assert '"grade":9,"homeroom_comment":' in text  # no whitespace between tokens
    assert list(json.loads(text)) == sorted(record)
    assert record_sha256(record) == hashlib.sha256(data).hexdigest()


def test_canonical_json_refuses_floats():
    record = sample_record()
    record["results"]["year"]["absences"] = 2.0
    with pytest.raises(TypeError):
        canonical_json(record)


def test_a_changed_score_changes_the_hash():
    record = sample_record()
    before = record_sha256(record)
    record["subjects"][0]["year"] = "5,0" if record["subjects"][0]["year"] != "5,0" else "5,1"
    assert record_sha256(record) != before


def test_version_two_points_at_version_one():
    first, second = sample_record("THCS", seed=3), sample_record("THCS", seed=3, version=2)
    assert second["supersedes_sha256"] == record_sha256(first)
    change = second["corrections"][0]
    row = next(r for r in second["subjects"] if r["name"] == change["subject"])
    assert row["year"] == change["new"] != change["old"]
