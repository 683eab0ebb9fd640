"""jobboard.sql.CompiledQuery: compiled once, the same rows as the ORM for any arguments."""

import pytest

from jobboard.sql import CompiledQuery
from postings.models import Role
from tests.factories import published_role

pytestmark = pytest.mark.django_db


def test_binds_each_call_s_arguments_in_their_places():
    first, second = published_role(title="灯光助理"), published_role(title="摄影助理")
    by_title = CompiledQuery(
        lambda title, pk: (
            Role.objects.filter(title=title, listed=True).exclude(pk=pk).values("pk", "title")
        ),
        str,
        int,
    )
    assert by_title("灯光助理", 0) == [{"pk": first.pk, "title": "灯光助理"}]
    assert by_title("摄影助理", 0) == [{"pk": second.pk, "title": "摄影助理"}]
    assert by_title("摄影助理", second.pk) == []  # the constant (listed=True) stays in place
    listed = CompiledQuery(
        lambda pk: Role.objects.filter(pk=pk).values_list("listed"), int, named=False
    )
    assert listed(first.pk) == [(True,)]
    Role.objects.filter(pk=first.pk).update(listed=False)
    assert listed(first.pk) == [(False,)]  # the SQL is kept, never the rows


def test_refuses_a_query_that_does_not_use_its_arguments_as_values():
    ignoring = CompiledQuery(lambda pk: Role.objects.filter(pk=1).values("pk"), int)
    with pytest.raises(ValueError, match="lookup value"):
        ignoring(5)


def test_refuses_columns_the_orm_would_convert():
    from postings.models import Shoot

    # A JSON field's value is decoded by the ORM (from_db_value); rows read here would not be.
    flags = CompiledQuery(lambda pk: Shoot.objects.filter(pk=pk).values("pk", "flags"), int)
    with pytest.raises(ValueError, match="converter"):
        flags(1)


def test_a_list_of_ids_is_one_array_parameter():
    """``id__any_of``: a list binds as one array, so one statement (and one prepared plan)
    serves lists of any length."""
    first, second, third = (published_role() for _ in range(3))
    by_ids = CompiledQuery(
        lambda ids: Role.objects.filter(pk__any_of=ids).order_by("pk").values_list("pk"),
        list,
        named=False,
    )
    assert by_ids([third.pk, first.pk]) == [(first.pk,), (third.pk,)]
    assert by_ids([second.pk]) == [(second.pk,)]
    assert by_ids([]) == []
    assert list(Role.objects.filter(pk__any_of=[second.pk]).values_list("pk")) == [(second.pk,)]
    sql = str(Role.objects.filter(pk__any_of=[1, 2, 3]).values("pk").query)
    assert "= ANY(" in sql
