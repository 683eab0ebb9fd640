from django.db import migrations

# Pay medians depend on which bookings wrapped (a wrap's role and shoot never change): only
# inserting or deleting a wrap changes what role pages show. Answers and marks (updates)
# change the studio's record, a studio write that moves the version by itself.
TRIGGER = """
DROP TRIGGER IF EXISTS applications_wrap_content_changed ON applications_wrap;
CREATE CONSTRAINT TRIGGER applications_wrap_content_changed
    AFTER INSERT OR DELETE ON applications_wrap
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION callsheet_content_changed();
"""

UNDO = """
DROP TRIGGER IF EXISTS applications_wrap_content_changed ON applications_wrap;
CREATE CONSTRAINT TRIGGER applications_wrap_content_changed
    AFTER INSERT OR UPDATE OR DELETE ON applications_wrap
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION callsheet_content_changed();
"""


class Migration(migrations.Migration):
    dependencies = [("jobboard", "0004_wrap_content_trigger")]

    operations = [migrations.RunSQL(TRIGGER, UNDO)]
