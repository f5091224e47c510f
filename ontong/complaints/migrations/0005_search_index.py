"""Korean search without reading every complaint: the stored morphemes (search_text) indexed
with PostgreSQL's full-text GIN index, or SQLite's FTS5 (kept by triggers). bench/scale.py."""

from django.db import migrations

POSTGRES_CREATE = (
    "CREATE INDEX IF NOT EXISTS complaint_search_fts ON complaints_complaint "
    "USING gin (to_tsvector('simple'::regconfig, search_text))"
)
POSTGRES_DROP = "DROP INDEX IF EXISTS complaint_search_fts"
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS complaints_complaint_fts USING fts5("
    "search_text, content='complaints_complaint', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS complaints_complaint_fts_insert AFTER INSERT ON complaints_complaint "
    "BEGIN INSERT INTO complaints_complaint_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS complaints_complaint_fts_delete AFTER DELETE ON complaints_complaint "
    "BEGIN INSERT INTO complaints_complaint_fts(complaints_complaint_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS complaints_complaint_fts_update AFTER UPDATE OF search_text "
    "ON complaints_complaint BEGIN "
    "INSERT INTO complaints_complaint_fts(complaints_complaint_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO complaints_complaint_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO complaints_complaint_fts(complaints_complaint_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS complaints_complaint_fts_insert",
    "DROP TRIGGER IF EXISTS complaints_complaint_fts_delete",
    "DROP TRIGGER IF EXISTS complaints_complaint_fts_update",
    "DROP TABLE IF EXISTS complaints_complaint_fts",
]


def create(apps, schema_editor):
    run(schema_editor, [POSTGRES_CREATE], SQLITE_CREATE)


def drop(apps, schema_editor):
    run(schema_editor, [POSTGRES_DROP], SQLITE_DROP)


def run(schema_editor, postgres: list[str], sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": postgres, "sqlite": sqlite}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_first_answer_and_routing_clock")]

    operations = [migrations.RunPython(create, drop)]
