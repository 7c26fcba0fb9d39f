"""What a closing reads: every student's engine input, as the snapshot keeps it and in the engine's own form.

For each student of a batch of classes this module gives two things built from the same stored cells:

* the input in the engine's JSON contract (``hocba assess``), which the snapshot keeps so that any
  result can be re-computed and explained later;
* the same input in the engine's own form (:class:`engine.Prepared`), so that the engine does not parse
  and check again what the gradebook validated when it stored the cells.

At city scale (300,000 students, 7.2 million score rows) this is where most of a closing's time
goes, so the usual student — every cell complete and in the gradebook's canonical form (``"8.5"``,
``"10.0"``, ``Đ``/``CĐ``) — takes a lean path: its JSON is written as text straight from the stored
cells (the stored list ``["8.5", "7.0"]`` is the contract's ``[8.5, 7.0]`` once its quotes are
dropped) and handed over as an :class:`orjson.Fragment`, which the snapshot writer copies as is.
Any other student (a missing mark, a value outside the canonical form, a subject without its
shape, an unknown conduct level …) gets its input built as a dict and goes through the engine's
checked path, which gives it its Vietnamese message. Both give the same snapshot for the same
student: tests compare them byte for byte.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import orjson
from django.db import connection

from hocba.gradebook import engine
from hocba.gradebook.fields import loads
from hocba.gradebook.models import Exemption, HomeroomTermEntry, Period, SubjectTermScore, YearEntry
from hocba.org.models import ClassGroup, CurriculumEntry, TeachingAssignment
from hocba.people.models import ACTIVE_STATUSES, Enrolment

#: Stored canonical strings → the JSON numbers of the engine's contract ("8.5" → 8.5; Đ/CĐ stay).
_NUMBERS: dict[str | None, object] = {None: None, "Đ": "Đ", "CĐ": "CĐ",
                                      **{f"{n / 10:.1f}": n / 10 for n in range(101)},
                                      **{str(n): float(n) for n in range(11)}}
#: The gradebook's canonical score strings ("8.5", "10.0") → tenths. Only these are written as text
#: as stored: "10" would be the JSON number 10 where the checked path writes 10.0.
_TENTHS: dict[str, int] = {f"{n / 10:.1f}": n for n in range(101)}
_PASSED: dict[str, bool] = {"Đ": True, "CĐ": False}
_COMMENT_JSON: dict[str | None, str] = {"Đ": '"Đ"', "CĐ": '"CĐ"', None: "null"}
_SCORE_JSON: dict[str | None, str] = {**{text: text for text in _TENTHS}, None: "null"}
_LEVELS: dict[str, int] = dict(engine.LEVELS)
_QUOTE = '"'

StudentInput = dict | orjson.Fragment
"""The snapshot's input of one student: a dict, or the same JSON already written (the lean path)."""


@dataclass
class Catalogue:
    """What every batch needs and does not change during a closing: periods and ĐĐGtx counts."""

    curriculum: dict[tuple[int, int], tuple[int, int]]  # (subject id, grade) → (periods/year, tx count)

    @classmethod
    def load(cls) -> Catalogue:
        return cls({(c.subject_id, c.grade): (c.periods_per_year, c.tx_count)
                    for c in CurriculumEntry.objects.filter(school_year=None)})


def as_dict(student: StudentInput) -> dict:
    return loads(orjson.dumps(student)) if isinstance(student, orjson.Fragment) else student


def for_period(student: StudentInput, period: str) -> dict:
    """The input the engine's checked path assesses for the period: term I alone is assessed by giving
    the engine term I as both terms and reading only term I back."""
    student = as_dict(student)
    if period != Period.HK1:
        return student
    copy = {**student, "subjects": [], "conduct": {"hk1": student["conduct"]["hk1"],
                                                    "hk2": student["conduct"]["hk1"]}}
    for s in student["subjects"]:
        s2 = {k: v for k, v in s.items() if k not in ("retest",)}
        if "hk1" in s2:
            s2["hk2"] = s2["hk1"]
        copy["subjects"].append(s2)
    return copy


@dataclass(frozen=True, slots=True)
class _Subject:
    """One subject of a class, as every student of the class is built with it."""

    subject_id: int
    code: str
    name: str
    mode: str
    scored: bool  # mode "score" (else Đ/CĐ)
    periods: int
    kept: int  # ĐĐGtx columns the gradebook keeps for it
    required: int  # ĐĐGtx the engine requires (from the periods)
    prefix: str  # the JSON of the subject up to its terms: '{"name":"Toán","mode":"score","periods_per_year":140,'


@dataclass
class _Batch:
    """Everything stored about the batch's students, read with one query per table."""

    enrolled: dict[int, list[int]]
    subjects: dict[int, list[tuple[int, str, str, str]]]
    cells: dict[tuple, tuple]  # (class, student, subject, term) → the stored row
    homeroom: dict[tuple[int, int, int], tuple[str, int]]  # (class, student, term) → (conduct, absences)
    years: dict[tuple[int, int], tuple[str, dict | None]]  # (class, student) → (summer conduct, re-tests)
    exempt: set[tuple[int, int]]  # (student, subject)

    @classmethod
    def read(cls, class_groups: list[ClassGroup]) -> _Batch:
        ids = [c.pk for c in class_groups]
        enrolled: dict[int, list[int]] = defaultdict(list)
        for class_id, student_id in (Enrolment.objects.filter(class_group_id__in=ids, status__in=ACTIVE_STATUSES)
                                     .order_by("student__sort_name", "student_id")
                                     .values_list("class_group_id", "student_id")):
            enrolled[class_id].append(student_id)
        subjects: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
        for class_id, subject_id, code, name, mode in (
                TeachingAssignment.objects.filter(class_group_id__in=ids)
                .order_by("subject__display_order", "subject__code")
                .values_list("class_group_id", "subject_id", "subject__code", "subject__name", "subject__mode")):
            subjects[class_id].append((subject_id, code, name, mode))
        homeroom = {(class_id, student_id, term): (conduct, excused + unexcused)
                    for class_id, student_id, term, conduct, excused, unexcused in (
                        HomeroomTermEntry.objects.filter(class_group_id__in=ids).order_by()
                        .values_list("class_group_id", "student_id", "term", "conduct", "absent_excused",
                                     "absent_unexcused"))}
        years = {(class_id, student_id): (summer, retests) for class_id, student_id, summer, retests in (
            YearEntry.objects.filter(class_group_id__in=ids).order_by()
            .values_list("class_group_id", "student_id", "summer_conduct", "retests"))}
        exempt = set(Exemption.objects.filter(school_year_id__in={c.school_year_id for c in class_groups},
                                              student__enrolments__class_group_id__in=ids)
                     .order_by().values_list("student_id", "subject_id"))
        return cls(enrolled, subjects, _cells(ids), homeroom, years, exempt)


def _cells(class_ids: list[int]) -> dict[tuple, tuple]:
    """(class, student, subject, term) → (class, student, subject, term, tx, gk, ck) as stored, from one
    plain SQL read (no model instances: this is the biggest read of a closing)."""
    if not class_ids:
        return {}
    table = SubjectTermScore._meta.db_table
    marks = ", ".join(["%s"] * len(class_ids))
    cells = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT class_group_id, student_id, subject_id, term, tx, gk, ck FROM {table} "  # noqa: S608
                       f"WHERE class_group_id IN ({marks})", class_ids)  # (only placeholders are interpolated)
        while chunk := cursor.fetchmany(10_000):
            for row in chunk:
                cells[row[:4]] = row
    return cells


def build(class_groups: list[ClassGroup], catalogue: Catalogue, period: str,
          ) -> dict[int, list[tuple[int, StudentInput, engine.Prepared | None]]]:
    """class id → [(student id, the snapshot's input, the engine's own form for ``period`` or None)].

    The engine's own form is None for a student the lean path does not vouch for: that student is
    assessed by the engine's checked JSON path (see the module docstring).
    """
    batch = _Batch.read(class_groups)
    first_term = period == Period.HK1
    out = {}
    for cg in class_groups:
        plan = []
        for subject_id, code, name, mode in batch.subjects[cg.pk]:
            periods, kept = catalogue.curriculum.get((subject_id, cg.grade), (70, 3))
            prefix = f'{{"name":{_json(name)},"mode":{_json(mode)},"periods_per_year":{periods:d},'
            plan.append(_Subject(subject_id, code, name, mode, mode == "score", periods, kept,
                                 engine.tx_count(periods), prefix))
        names = [s.name for s in plan]
        # What the engine would question for every student of the class: those go the checked way.
        lean_class = (6 <= cg.grade <= 12 and len(set(names)) == len(names) and all(n.strip() for n in names)
                      and all(s.mode in ("score", "comment") and s.periods > 0 for s in plan))
        items = []
        for student_id in batch.enrolled[cg.pk]:
            built = _lean(cg, student_id, plan, batch, first_term) if lean_class else None
            items.append((student_id, *built) if built else (student_id, _checked(cg, student_id, plan, batch), None))
        out[cg.pk] = items
    return out


def _lean(cg: ClassGroup, student_id: int, plan: list[_Subject], batch: _Batch, first_term: bool,
          ) -> tuple[orjson.Fragment, engine.Prepared] | None:
    """The student's JSON written from the stored cells and its engine form, or None when anything is
    incomplete or unusual (a missing row or mark, a value not canonical, a list longer than kept …)."""
    class_id = cg.pk
    cells, exempt = batch.cells, batch.exempt
    summer, retests = batch.years.get((class_id, student_id), ("", None))
    h1 = batch.homeroom.get((class_id, student_id, 1))
    h2 = batch.homeroom.get((class_id, student_id, 2))
    if h1 is None or (h2 is None and not first_term):
        return None
    parts = []
    prepared = []
    exempted = []
    tenth, passed = _TENTHS.__getitem__, _PASSED.__getitem__
    try:
        for s in plan:
            if exempt and (student_id, s.subject_id) in exempt:
                parts.append(s.prefix + '"exempt":true}')
                exempted.append(s.name)
                continue
            r1 = cells.get((class_id, student_id, s.subject_id, 1))
            r2 = cells.get((class_id, student_id, s.subject_id, 2))
            if r1 is None or (r2 is None and not first_term):
                return None
            term_json = _score_term if s.scored else _comment_term
            raw1, x1 = _tx(r1[4])
            if len(x1) > s.kept:  # the contract keeps the first ``kept``: the checked path cuts the list
                return None
            if r2 is None:
                hk2 = "null"
            else:
                raw2, x2 = _tx(r2[4])
                if len(x2) > s.kept:
                    return None
                if first_term:  # term II as entered so far: only its JSON is needed, every mark known
                    _known(x2, _SCORE_JSON if s.scored else _COMMENT_JSON)
                hk2 = term_json(raw2, r2[5], r2[6])
            retest_json = ""
            retest = None
            if retests and s.code in retests:
                given = retests[s.code]
                retest_json = ',"retest":' + (_SCORE_JSON if s.scored else _COMMENT_JSON)[given]
                if not first_term:
                    retest = tenth(given) if s.scored else passed(given)
            if s.scored:
                if len(x1) != s.required or (not first_term and len(x2) != s.required):
                    return None  # incomplete: the engine's checked path says which mark is missing
                p1 = (tuple(map(tenth, x1)), tenth(r1[5]), tenth(r1[6]))
                p2 = p1 if first_term else (tuple(map(tenth, x2)), tenth(r2[5]), tenth(r2[6]))
                prepared.append(engine.PreparedScored(s.name, *p1, *p2, retest))
            else:
                if len(x1) > s.required or (not first_term and len(x2) > s.required):
                    return None
                c1 = engine.comment_term(list(map(passed, x1)), passed(r1[5]), passed(r1[6]), s.required)
                c2 = c1 if first_term else engine.comment_term(list(map(passed, x2)), passed(r2[5]),
                                                               passed(r2[6]), s.required)
                prepared.append(engine.PreparedComment(s.name, c1[0], c2[0], retest, c1[1], c2[1]))
            parts.append(f'{s.prefix}"hk1":{term_json(raw1, r1[5], r1[6])},"hk2":{hk2}{retest_json}}}')
    except (KeyError, TypeError):  # a missing mark (None), Đ in a score subject, a value not canonical
        return None
    conduct1 = _LEVELS.get(h1[0])
    conduct2 = conduct1 if first_term else _LEVELS.get(h2[0])  # type: ignore[index]
    level_summer = None if first_term or not summer else _LEVELS.get(summer, -1)
    absences = h1[1] + (h2[1] if h2 else 0)
    if conduct1 is None or conduct2 is None or level_summer == -1 or absences < 0:
        return None
    conduct = {"hk1": h1[0], "hk2": h2[0] if h2 else None}
    if summer:
        conduct["summer"] = summer
    text = (f'{{"grade":{cg.grade:d},"subjects":[{",".join(parts)}],"conduct":{_json(conduct)},'
            f'"absences":{absences:d}}}')
    return (orjson.Fragment(text),
            engine.Prepared(tuple(prepared), conduct1, conduct2, level_summer, absences, tuple(exempted)))


def _tx(stored) -> tuple[str, list]:
    """A stored ĐĐGtx list → (its JSON text, its values)."""
    if stored.__class__ is str:
        return stored, loads(stored)
    return orjson.dumps(stored).decode(), list(stored)


def _json(value) -> str:
    return orjson.dumps(value).decode()


def _known(values: list, table: dict) -> None:
    """KeyError unless every value is one the table writes as JSON (a canonical value or an empty mark)."""
    for value in values:
        if value not in table:
            raise KeyError(value)


def _score_term(raw: str, gk: str | None, ck: str | None) -> str:
    """A score term's JSON from canonical cells: the stored list without its quotes is the list of numbers."""
    return f'{{"tx":{raw.replace(_QUOTE, "")},"gk":{_SCORE_JSON[gk]},"ck":{_SCORE_JSON[ck]}}}'


def _comment_term(raw: str, gk: str | None, ck: str | None) -> str:
    return f'{{"tx":{raw},"gk":{_COMMENT_JSON[gk]},"ck":{_COMMENT_JSON[ck]}}}'


def _checked(cg: ClassGroup, student_id: int, plan: list[_Subject], batch: _Batch) -> dict:
    """The student's input as a dict, whatever is stored: the engine's checked path judges it."""
    class_id = cg.pk
    summer, retests = batch.years.get((class_id, student_id), ("", None))
    subjects = []
    for s in plan:
        item: dict = {"name": s.name, "mode": s.mode, "periods_per_year": s.periods}
        if batch.exempt and (student_id, s.subject_id) in batch.exempt:
            item["exempt"] = True
        else:
            for term, key in ((1, "hk1"), (2, "hk2")):
                row = batch.cells.get((class_id, student_id, s.subject_id, term))
                item[key] = None if row is None else _term_input(row[4:], s.kept)
            if retests and s.code in retests:
                item["retest"] = _number(retests[s.code])
        subjects.append(item)
    h1 = batch.homeroom.get((class_id, student_id, 1))
    h2 = batch.homeroom.get((class_id, student_id, 2))
    conduct = {"hk1": h1[0] if h1 else None, "hk2": h2[0] if h2 else None}
    if summer:
        conduct["summer"] = summer
    absences = (h1[1] if h1 else 0) + (h2[1] if h2 else 0)
    return {"grade": cg.grade, "subjects": subjects, "conduct": conduct, "absences": absences}


def _term_input(row: tuple, kept: int) -> dict:
    """(tx, gk, ck) as stored → the engine's term input (values it cannot read are left for it to judge)."""
    tx, gk, ck = row
    if tx.__class__ is str:
        tx = loads(tx)
    try:
        return {"tx": [_number(v) for v in list(tx)[:kept]], "gk": _number(gk), "ck": _number(ck)}
    except TypeError:  # not a list
        return {"tx": tx, "gk": _number(gk), "ck": _number(ck)}


def _number(v):
    try:
        return _NUMBERS[v]
    except (KeyError, TypeError):  # a value stored outside the canonical form: let the engine judge it
        try:
            return float(v)
        except (TypeError, ValueError):  # "8,5", "Đạt" …: the engine refuses it for this student only
            return v
