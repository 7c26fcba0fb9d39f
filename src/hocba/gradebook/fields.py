"""A JSON document stored as written: a text column, on PostgreSQL as elsewhere.

The closing snapshots (engine inputs and outputs with the explanation, ~3 KB a student) are written
once per closing, by this program's own JSON encoder, and read whole, one student at a time; they
are never searched inside. ``jsonb`` makes PostgreSQL parse every document into its binary form and
then compress it, and even ``json`` parses every document to check it: at city scale that costs
PostgreSQL more CPU than storing the rows (measured: 10 µs of a 40 µs row). The text stays
readable in SQL with a cast (``inputs::json ->> 'grade'``); the migrations give the columns lz4
compression.
"""

from __future__ import annotations

import orjson
from django.db import models

dumps_bytes = orjson.dumps  # UTF-8 JSON text, as the closing's COPY writes it
loads = orjson.loads


def dumps(value) -> str:
    return orjson.dumps(value).decode()


class JSONTextField(models.Field):
    """Python lists/dicts in, the same out; no lookups inside the document (read it whole)."""

    description = "JSON document kept as text"

    def db_type(self, connection) -> str:
        return "text"

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str | bytes):
            return loads(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            return loads(value)
        return value

    def get_prep_value(self, value):
        return None if value is None else dumps(value)

    def value_to_string(self, obj) -> str:
        return dumps(self.value_from_object(obj))
