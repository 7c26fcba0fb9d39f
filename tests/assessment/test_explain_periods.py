"""The learning sentence of each period names that period's values (HK I, HK II, the year)."""

from __future__ import annotations

from hypothesis import given, settings

from hocba.assessment import assess_json, explain, tt22
from hocba.assessment.parse import prepare_json
from tests.assessment.test_properties import students

PERIOD_KEYS = ("hk1", "hk2", "cn")


@settings(max_examples=300, deadline=None)
@given(students())
def test_each_learning_sentence_is_built_from_its_own_period(student):
    result = assess_json(student)
    ev = tt22.evaluate(prepare_json(student))
    for index, key in enumerate(PERIOD_KEYS):
        # The test's own reading of the period, from the engine's published per-subject values.
        scored = [(s["name"], round(result["subjects"][s["name"]][key] * 10))
                  for s in student["subjects"] if s["mode"] == "score"]
        failed = [s["name"] for s in student["subjects"]
                  if s["mode"] == "comment" and result["subjects"][s["name"]][key] == "CĐ"]
        expected = explain.learning_sentence(f"Kết quả học tập {explain.PERIODS[index]}", ev.learning[index],
                                             ev.adjusted[index], scored, failed)
        assert expected in result["explanation"]


def test_the_term_ii_sentence_names_the_term_ii_score():
    def subject(name, hk1, hk2):
        return {"name": name, "mode": "score", "periods_per_year": 70,
                "hk1": {"tx": [hk1] * 3, "gk": hk1, "ck": hk1}, "hk2": {"tx": [hk2] * 3, "gk": hk2, "ck": hk2}}

    student = {"subjects": [subject("Toán", 9.0, 6.0), *(subject(f"Môn {i}", 9.0, 9.0) for i in range(6))],
               "conduct": {"hk1": "Tốt", "hk2": "Tốt"}}
    lines = assess_json(student)["explanation"]
    assert "Kết quả học tập HK II: Khá; không đạt Tốt vì Toán 6,0 < 6,5." in lines
    assert any(line.startswith("Kết quả học tập HK I: Tốt;") for line in lines)
