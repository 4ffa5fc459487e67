"""The transactional outbox: events written as rows in the caller's transaction, delivered by a relay.

- ``store``: the rows, their states and the store protocol;
- ``sql``: the SQL, once, for SQLite and PostgreSQL; ``sqlstore``: the store on it
  (``DbApiStore`` on a ``sqlite3``/psycopg connection, ``append`` in a transaction);
- ``relay``: claims, delivers through a ``Transport``, settles; ``metrics``: depth,
  oldest pending age, rejected count, throughput;
- ``sqlalchemy`` (SQLAlchemy 2) and ``bc_events.django.outbox``: the stores beside their
  frameworks; ``cli``: the ``bc-events-relay`` console script.

Importing ``bc_events`` never imports this package.
"""
