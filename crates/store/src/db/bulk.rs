//! Bulk loading for seeds and imports: multi-row inserts in chunks that stay under
//! both backends' limits on bound parameters, and sequence repair on PostgreSQL after
//! rows were inserted with explicit ids. Also `Stmt`, a statement that owns its
//! values, so a write can wait and go with the next statement (`pending::write`).

use crate::{Backend, Result, StoreError};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

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

/// Inserts `rows` into `table` (each row one value per column), in chunks.
pub async fn insert_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<V>],
) -> Result<()> {
    insert_rows_then(conn, backend, table, columns, rows, "").await
}

/// `insert_rows` with a clause after the values (`ON CONFLICT …`). The values are
/// bound where they lie, not copied.
pub async fn insert_rows_then(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<V>],
    then: &str,
) -> Result<()> {
    for chunk in rows.chunks(per_chunk(columns)) {
        let sql = chunk_sql(backend, table, columns, chunk.len(), then);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in chunk.iter().flatten() {
            q = bind(q, v);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The statements `insert_rows_then` runs, with their values owned, to be run or
/// left to wait (`pending::write`).
pub(crate) fn insert_stmts(
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<V>],
    then: &str,
) -> Vec<Stmt> {
    rows.chunks(per_chunk(columns))
        .map(|chunk| {
            let sql = chunk_sql(backend, table, columns, chunk.len(), then);
            Stmt::with_args(sql, chunk.concat())
        })
        .collect()
}

fn per_chunk(columns: &[&str]) -> usize {
    (MAX_PARAMS / columns.len().max(1)).max(1)
}

/// `INSERT INTO table (…) VALUES (…),(…)… then` for `rows` rows. SQLite gets plain
/// `?` placeholders: it looks up the names of `$N` and `?N` parameters linearly,
/// which is quadratic in a statement with thousands of them.
pub(crate) fn chunk_sql(
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: usize,
    then: &str,
) -> String {
    let numbered = backend == Backend::Postgres;
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut sql = String::with_capacity(head.len() + rows * columns.len() * 6 + then.len());
    sql.push_str(&head);
    let mut n = 0usize;
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for j in 0..columns.len() {
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
    sql
}

/// Binds one value.
pub(crate) fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    v: &'q V,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match v {
        V::I(x) => q.bind(*x),
        V::S(x) => q.bind(x.as_str()),
        V::B(x) => q.bind(*x as i64),
        V::NullI => q.bind(None::<i64>),
        V::NullS => q.bind(None::<String>),
    }
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

/// Most bound values in one statement (PostgreSQL takes 65,535).
const MAX_ARGS: usize = 60_000;

/// A statement with its values owned, so it can wait for the next statement
/// (`pending::write`): placeholders `$1…` in order.
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    sql: String,
    args: Vec<V>,
    /// Turn a failure into the statement's own message (a clash on a case number).
    maps: Vec<fn(StoreError) -> StoreError>,
}

impl Stmt {
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            args: Vec::new(),
            maps: Vec::new(),
        }
    }

    pub(crate) fn with_args(sql: impl Into<String>, args: Vec<V>) -> Self {
        Self {
            sql: sql.into(),
            args,
            maps: Vec::new(),
        }
    }

    pub(crate) fn bind(mut self, v: impl Into<V>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Reports a failure of this statement through `map`.
    pub(crate) fn mapped(mut self, map: fn(StoreError) -> StoreError) -> Self {
        self.maps.push(map);
        self
    }

    /// The table an `INSERT`, `UPDATE` or `DELETE` changes; `None` for anything else,
    /// which never waits.
    pub(crate) fn written(&self) -> Option<&str> {
        let s = self.sql.trim_start();
        let rest = ["INSERT INTO ", "UPDATE ", "DELETE FROM "]
            .iter()
            .find_map(|p| s.strip_prefix(p))?;
        rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .filter(|t| !t.is_empty())
    }

    fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.sql.clone()));
        for v in &self.args {
            q = bind(q, v);
        }
        q
    }

    fn fail(&self, e: impl Into<StoreError>) -> StoreError {
        self.maps.iter().fold(e.into(), |e, map| map(e))
    }

    pub(crate) async fn execute(&self, conn: &mut AnyConnection) -> Result<()> {
        self.query()
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(crate) async fn rows(&self, conn: &mut AnyConnection) -> Result<Vec<AnyRow>> {
        self.query().fetch_all(conn).await.map_err(|e| self.fail(e))
    }

    /// Whether the text names `table` as a word.
    fn names(&self, table: &str) -> bool {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        self.sql.match_indices(table).any(|(at, _)| {
            !word(self.sql[..at].chars().next_back())
                && !word(self.sql[at + table.len()..].chars().next())
        })
    }

    /// Whether this statement may go with `waiting` as their last: it names none of
    /// the tables they change, and the values fit in one statement.
    pub(crate) fn may_follow(&self, waiting: &[Stmt]) -> bool {
        !self.sql.trim_start().starts_with("WITH")
            && waiting
                .iter()
                .all(|w| w.written().is_some_and(|t| !self.names(t)))
            && waiting.iter().map(|w| w.args.len()).sum::<usize>() + self.args.len() <= MAX_ARGS
    }

    /// `waiting` as `WITH` clauses of `last`, their placeholders numbered on.
    pub(crate) fn after(waiting: Vec<Stmt>, last: &Stmt) -> Stmt {
        let mut sql = String::from("WITH ");
        let mut args = Vec::new();
        let mut maps = Vec::new();
        for (i, w) in waiting.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("w{i} AS ("));
            sql.push_str(&shift(&w.sql, args.len()));
            sql.push(')');
            args.extend(w.args);
            maps.extend(w.maps);
        }
        sql.push(' ');
        sql.push_str(&shift(&last.sql, args.len()));
        args.extend(last.args.iter().cloned());
        maps.extend(last.maps.iter().copied());
        Stmt { sql, args, maps }
    }
}

/// `sql` with every placeholder `$n` made `$(n + by)` (none stands in a quoted string
/// of ours, but those are skipped all the same).
fn shift(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut quoted = false;
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '$' || quoted {
            continue;
        }
        let mut n = 0usize;
        let mut digits = false;
        while let Some(&(_, d)) = chars.peek() {
            let Some(v) = d.to_digit(10) else { break };
            n = n * 10 + v as usize;
            digits = true;
            chars.next();
        }
        if digits {
            out.push_str(&(n + by).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_on_outside_quotes() {
        assert_eq!(
            shift("UPDATE t SET a = $1, b = '$2' WHERE c = $12", 3),
            "UPDATE t SET a = $4, b = '$2' WHERE c = $15"
        );
        assert_eq!(shift("SELECT $1", 0), "SELECT $1");
    }

    #[test]
    fn a_statement_follows_waiting_writes_only_when_it_names_none_of_their_tables() {
        let events = Stmt::new("INSERT INTO case_events (case_id) VALUES ($1)").bind(1i64);
        let seq = Stmt::new("UPDATE case_seq SET n = $1 WHERE point_id = $2");
        assert_eq!(events.written(), Some("case_events"));
        assert_eq!(seq.written(), Some("case_seq"));
        assert_eq!(Stmt::new("SELECT 1").written(), None);
        let waiting = vec![events.clone(), seq];
        let seals =
            Stmt::new("SELECT t.id FROM cases t LEFT JOIN case_seals s ON s.case_id = t.id");
        assert!(seals.may_follow(&waiting));
        let more = Stmt::new("INSERT INTO case_events (case_id) VALUES ($1)");
        assert!(!more.may_follow(&waiting));
        assert!(!Stmt::new("SELECT * FROM case_seq").may_follow(&waiting));
        assert!(!Stmt::new("WITH x AS (SELECT 1) SELECT * FROM x").may_follow(&waiting));
        let both = Stmt::after(
            vec![events],
            &Stmt::new("SELECT a FROM t WHERE b = $1").bind(2i64),
        );
        assert_eq!(
            both.sql,
            "WITH w0 AS (INSERT INTO case_events (case_id) VALUES ($1)) SELECT a FROM t WHERE b = $2"
        );
        assert_eq!(both.args.len(), 2);
    }
}
