"""Hot-path queries compiled once per process.

Compiling a queryset costs the ORM more than PostgreSQL takes to run a small indexed lookup.
``CompiledQuery`` builds its queryset once, with stand-in values for its arguments, keeps the
SQL, and on each call binds the real values in their places. The queryset must use its
arguments only as lookup values (never to decide which filters apply), and select columns that
need no conversion from the database (``values()`` or ``values_list()`` of plain fields).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import Count, IntegerField, Lookup, QuerySet

# Stand-ins nobody stores: they mark where each argument lands among the SQL's parameters
# (``list``: a list of ids, for the ``any_of`` lookup).
_STAND_INS = {
    int: lambda n: -(2**62) - n,
    str: lambda n: f"\x00stand-in {n}\x00",
    list: lambda n: [-(2**62) - n],
}


@IntegerField.register_lookup
class AnyOf(Lookup):
    """``id__any_of=[3, 5, 8]``: one of these values, the list bound as one array parameter
    (``= ANY(%s)``) rather than one parameter each (``IN (%s, %s, %s)``). The statement is the
    same whatever the number of values, so one prepared statement serves every list, and
    PostgreSQL keeps a generic plan for it (with an IN list of parameters it plans each run
    again: see prepared())."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


class RawCount(Count):
    """``Count``, as psycopg returns it (a Python int already): without the ORM's converter,
    so that a ``CompiledQuery`` can select it."""

    @property
    def convert_value(self):
        return self._convert_value_noop


# --- Prepared statements ---------------------------------------------------------------------
# Django opens psycopg connections with prepared statements off (``prepare_threshold=None``)
# so that connection poolers keep working; and psycopg's own rule, preparing whatever runs
# often, would also give a keyword search a generic plan that ignores what it looks for. Yet
# planning is most of what PostgreSQL spends on the role list's page query: at 100,000 roles
# about 0.5 ms of CPU against 0.2 ms to run it. So only what runs inside ``prepared()`` is
# prepared, on its connection, the first time:
# - a statement without parameters (the first page of the list, a search with its values
#   written in) is planned once and then only run;
# - with parameters, PostgreSQL still plans the first five runs for their values and keeps a
#   generic plan only if it costs no more, so ``prepared()`` is for statements whose best plan
#   does not depend on their values (a lookup by key).
# The threshold that would prepare other statements by use is out of reach (executemany(),
# which psycopg always prepares, is not used on this connection's hot paths).
# What can undo it:
# - psycopg forgets every prepared statement of a connection at each ROLLBACK (a refused
#   application, an error) and prepares them again as they next run: a round trip each;
# - PostgreSQL plans a statement again after any schema change, but refuses one whose result
#   columns changed type ("cached plan must not change result type") until the connection
#   closes: restart the web workers after such a migration (``kill -HUP`` the gunicorn master);
# - a pooler in transaction mode must keep statements per server connection: PgBouncer 1.22 or
#   later with ``max_prepared_statements`` set, and libpq 17 or later (to close one statement
#   by the protocol). Otherwise set DATABASE_PREPARED_STATEMENTS=0.
_PREPARE = ContextVar("prepare", default=False)
NEVER_BY_USE = 2**62
# A larger id in a URL finds nothing, and must not reach SQL (PostgreSQL's bigint ends there).
BIGINT_MAX = 2**63 - 1


@contextmanager
def prepared(when: bool = True) -> Iterator[None]:
    """Prepare the statements run inside (on a connection that allows it), or, ``when`` False,
    leave them as they are."""
    if not when:
        yield
        return
    token = _PREPARE.set(True)
    try:
        yield
    finally:
        _PREPARE.reset(token)


class PreparingCursor(ServerBindingCursor):
    """Django's server-binding cursor, preparing what runs inside ``prepared()``."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and _PREPARE.get():
            prepare = True
        return super().execute(query, params, prepare=prepare, binary=binary)


def allow_prepared_statements(sender, connection, **kwargs) -> None:
    """On ``connection_created`` (Django's hook for setting up a connection): let
    ``prepared()`` statements be prepared on this connection, unless
    settings.DATABASE_PREPARED_STATEMENTS is off. Needs server-side binding (a client-side
    cursor cannot prepare)."""
    raw = connection.connection
    if (
        connection.vendor == "postgresql"
        and settings.DATABASE_PREPARED_STATEMENTS
        and raw.cursor_factory is ServerBindingCursor
    ):
        raw.cursor_factory = PreparingCursor
        raw.prepare_threshold = NEVER_BY_USE


def loaded(model, **values):
    """An instance of ``model`` from a row of its columns (by attname), the rest deferred, as
    the ORM makes one from a row of ``only()``: for rows a CompiledQuery read."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])


class CompiledQuery:
    def __init__(
        self,
        build: Callable[..., QuerySet],
        *arg_types: type,
        named: bool = True,
        prepare: bool = False,
    ):
        self.build = build
        self.arg_types = arg_types  # int, str or list (of ints), one per argument
        self.arity = len(arg_types)
        self.named = named  # rows as dicts (from values()), else tuples
        # Prepared on each connection (see prepared()): only for a query whose best plan is the
        # same whatever its arguments, such as a lookup by primary key.
        self.prepare = prepare
        self._compiled: tuple[str, str, list] | None = None

    def _compile(self) -> tuple[str, str, list]:
        stand_ins = tuple(_STAND_INS[kind](n) for n, kind in enumerate(self.arg_types))
        queryset = self.build(*stand_ins)
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        if compiler.get_converters([column for column, _, _ in compiler.select]):
            raise ValueError("every column must come from the database as it is (no converter)")
        # Each parameter is either an argument (by position) or a constant of the query.
        slots = [("arg", stand_ins.index(p)) if p in stand_ins else ("const", p) for p in params]
        if {i for kind, i in slots if kind == "arg"} != set(range(self.arity)):
            raise ValueError("every argument must appear in the SQL as a lookup value")
        return queryset.db, sql, slots

    def __call__(self, *args) -> list:
        if self._compiled is None:
            self._compiled = self._compile()
        alias, sql, slots = self._compiled
        params = [args[value] if kind == "arg" else value for kind, value in slots]
        with connections[alias].cursor() as cursor, prepared(self.prepare):
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if not self.named:
                return rows
            names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in rows]
