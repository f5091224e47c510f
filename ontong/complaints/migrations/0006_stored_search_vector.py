"""PostgreSQL: the morphemes' tsvector stored in a generated column with its GIN index, instead
of an index over an expression. With the expression, every row the planner checked outside the
index (walking the newest complaints for a page of results, rechecking a lossy bitmap) was parsed
again: one search word took 0.9 s at a million complaints (bench/scale.py). SQLite keeps FTS5."""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS complaint_search_fts",
    "ALTER TABLE complaints_complaint ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS complaint_search_vector ON complaints_complaint "
    "USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS complaint_search_vector",
    "ALTER TABLE complaints_complaint DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX IF NOT EXISTS complaint_search_fts ON complaints_complaint "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0005_search_index")]

    operations = [migrations.RunPython(forward, backward)]
