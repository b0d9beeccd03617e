//! Bulk loading for seeds and imports: multi-row inserts in chunks that stay under
//! both backends' limits on bound parameters, and sequence repair on PostgreSQL after
//! rows were inserted with explicit ids.

use crate::{Backend, Result};
use sqlx::AnyConnection;

/// A value to bind, typed so PostgreSQL accepts NULLs for any column type.
#[derive(Debug, Clone)]
pub enum V {
    I(i64),
    S(String),
    B(bool),
    NullI,
    NullS,
}

impl From<i64> for V {
    fn from(v: i64) -> Self {
        V::I(v)
    }
}
impl From<String> for V {
    fn from(v: String) -> Self {
        V::S(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> Self {
        V::S(v.to_string())
    }
}
impl From<bool> for V {
    fn from(v: bool) -> Self {
        V::B(v)
    }
}
impl From<Option<String>> for V {
    fn from(v: Option<String>) -> Self {
        v.map(V::S).unwrap_or(V::NullS)
    }
}
impl From<Option<i64>> for V {
    fn from(v: Option<i64>) -> Self {
        v.map(V::I).unwrap_or(V::NullI)
    }
}

const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` into `table` (each row one value per column). SQLite gets plain
/// `?` placeholders: it looks up the names of `$N` and `?N` parameters linearly,
/// which is quadratic in a statement with thousands of them.
/// `INSERT INTO table (a, b, …) VALUES ($1, $2, …)` for one row, from the same column
/// list a bulk load of the table uses.
pub fn insert_one(table: &str, columns: &[&str]) -> String {
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        marks.join(", ")
    )
}

pub async fn insert_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<V>],
) -> Result<()> {
    insert_rows_then(conn, backend, table, columns, rows, "").await
}

/// `insert_rows` with a clause after the values (`ON CONFLICT …`).
pub async fn insert_rows_then(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<V>],
    then: &str,
) -> Result<()> {
    let numbered = backend == Backend::Postgres;
    let per_chunk = (MAX_PARAMS / columns.len()).max(1);
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for chunk in rows.chunks(per_chunk) {
        let mut sql = String::with_capacity(head.len() + chunk.len() * columns.len() * 6);
        sql.push_str(&head);
        let mut n = 0usize;
        for (i, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), columns.len());
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..row.len() {
                if j > 0 {
                    sql.push(',');
                }
                n += 1;
                if numbered {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        sql.push_str(then);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for v in row {
                q = match v {
                    V::I(x) => q.bind(*x),
                    V::S(x) => q.bind(x.as_str()),
                    V::B(x) => q.bind(*x as i64),
                    V::NullI => q.bind(None::<i64>),
                    V::NullS => q.bind(None::<String>),
                };
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// After explicit ids were inserted, moves PostgreSQL's identity sequences past them.
pub async fn repair_sequences(
    conn: &mut AnyConnection,
    backend: Backend,
    tables: &[&str],
) -> Result<()> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    for t in tables {
        let sql = format!(
            "SELECT CAST(setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false) AS BIGINT)"
        );
        let _: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?;
    }
    Ok(())
}
