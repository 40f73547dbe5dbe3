-- SQLite leaves foreign keys unchecked unless each connection turns them on.
PRAGMA foreign_keys = ON
