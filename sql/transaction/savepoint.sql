-- Used when the caller's task already has a transaction open on this connection.
SAVEPOINT owtt_async_write
