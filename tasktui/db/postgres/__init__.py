"""PostgreSQL, the shared store: one database for many hosts and many people.

Imported only when a postgresql:// URL is opened (see `tasktui.db.registry`); the
driver (psycopg 3, the optional extra `tasktui[postgres]`) is loaded by `driver.py`.
"""
