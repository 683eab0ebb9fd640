"""Hot-path queries compiled once per process.

Compiling a queryset costs the ORM more than PostgreSQL takes to run a small indexed lookup.
``CompiledQuery`` builds its queryset once, with stand-in values for its arguments, keeps the
SQL, and on each call binds the real values in their places. The queryset must use its
arguments only as lookup values (never to decide which filters apply), and select columns that
need no conversion from the database (``values()`` or ``values_list()`` of plain fields).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# Stand-ins nobody stores: they mark where each argument lands among the SQL's parameters.
_STAND_INS = {int: lambda n: -(2**62) - n, str: lambda n: f"\x00stand-in {n}\x00"}


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], *arg_types: type, named: bool = True):
        self.build = build
        self.arg_types = arg_types  # int or str, one per argument
        self.arity = len(arg_types)
        self.named = named  # rows as dicts (from values()), else tuples
        self._compiled: tuple[str, str, list] | None = None

    def _compile(self) -> tuple[str, str, list]:
        stand_ins = tuple(_STAND_INS[kind](n) for n, kind in enumerate(self.arg_types))
        queryset = self.build(*stand_ins)
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
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
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if not self.named:
                return rows
            names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in rows]
