from django.db import migrations, models

# The tables whose rows public pages and listings show (see ContentVersion). Each gets a
# constraint trigger (deferred to the commit, once per written row; the function bumps the
# version once per transaction) and a TRUNCATE trigger.
TABLES = [
    "postings_role",
    "postings_shoot",
    "postings_city",
    "accounts_studio",
    "accounts_unavailability",
]

FUNCTION = """
CREATE FUNCTION callsheet_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per statement of a transaction: deferred to the commit, every row's trigger fires
    -- in the COMMIT statement, so once per transaction. An upsert: a test run's flush empties
    -- the table.
    INSERT INTO jobboard_contentversion AS version (id, value, txid, statement_at)
    VALUES (1, 1, txid_current(), statement_timestamp())
    ON CONFLICT (id) DO UPDATE
    SET value = version.value + 1, txid = txid_current(), statement_at = statement_timestamp()
    WHERE version.txid IS DISTINCT FROM txid_current()
       OR version.statement_at IS DISTINCT FROM statement_timestamp();
    RETURN NULL;
END $$;
"""

TRIGGER = """
CREATE CONSTRAINT TRIGGER {table}_content_changed
    AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION callsheet_content_changed();
CREATE TRIGGER {table}_content_truncated AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION callsheet_content_changed();
"""

UNDO = """
DROP TRIGGER IF EXISTS {table}_content_changed ON {table};
DROP TRIGGER IF EXISTS {table}_content_truncated ON {table};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("jobboard", "0001_initial"),
        ("postings", "0010_search_ascii"),
        ("accounts", "0003_crewprofile_home_city_crewprofile_user_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("value", models.BigIntegerField(default=0)),
                ("txid", models.BigIntegerField(null=True)),
                ("statement_at", models.DateTimeField(null=True)),
            ],
        ),
        migrations.RunSQL(
            "INSERT INTO jobboard_contentversion (id, value) VALUES (1, 0);",
            "DELETE FROM jobboard_contentversion;",
        ),
        migrations.RunSQL(
            FUNCTION + "".join(TRIGGER.format(table=table) for table in TABLES),
            "".join(UNDO.format(table=table) for table in TABLES)
            + "DROP FUNCTION IF EXISTS callsheet_content_changed();",
        ),
    ]
