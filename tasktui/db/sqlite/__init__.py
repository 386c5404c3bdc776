"""The embedded default engine: SQLite in one file (WAL, FTS5 trigram, file guards,
online backup). `dialect.SqliteDialect` is its implementation of `tasktui.db.dialect`."""
