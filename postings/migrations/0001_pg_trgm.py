from django.contrib.postgres.operations import BtreeGinExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Keyword search over Chinese and English text uses trigram GIN indexes."""

    initial = True
    dependencies = []
    operations = [TrigramExtension(), BtreeGinExtension()]
