/* db_private.h — not a public header: what db.c lends merge.c, the other file of db/ that
 * works on the SQLite connection itself (the rest of qtune sees only db.h). */
#ifndef QT_DB_PRIVATE_H
#define QT_DB_PRIVATE_H

#include <sqlite3.h>

#include "db/db.h"

/* The connection of an open log. */
sqlite3 *qt_db_sqlite(qt_db *db);

/* Runs a one-row, one-integer query of constant text on h; *v = its value. Returns an SQLite
 * result code (SQLITE_ERROR when it answers no row). */
int qt_db_sql_int(sqlite3 *h, const char *sql, int64_t *v);

/* Fills err from SQLite result code rc of db's connection, as every db.c operation does:
 * "<operation>: <sqlite message>" with the OS reason or the lock wait. Returns the QT_E* code. */
int qt_db_fail_sqlite(qt_db *db, int rc, qt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
