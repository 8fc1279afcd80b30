"""PostgreSQL for the test suite: Django's backend, flushing with DELETE instead of TRUNCATE.

After every transactional or browser test Django empties every table. TRUNCATE of the
hundred-odd tables gives each table and index a new file, a few seconds each time;
the tests leave a handful of rows, which DELETE removes in milliseconds. Django's
foreign keys are DEFERRABLE INITIALLY DEFERRED and the flush runs in one transaction,
so the order of the DELETEs does not matter; like Django's TRUNCATE without
RESTART IDENTITY, sequences are left alone.
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
