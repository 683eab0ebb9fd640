from django.db import migrations

# Role pages show pay medians from wrapped bookings (applications.models.pay_medians): their
# writes change the ContentVersion too, by the trigger of migration 0002.
TABLE = "applications_wrap"

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
        ("jobboard", "0003_workerheartbeat"),
        ("applications", "0005_wrap"),
    ]

    operations = [
        migrations.RunSQL(TRIGGER.format(table=TABLE), UNDO.format(table=TABLE)),
    ]
