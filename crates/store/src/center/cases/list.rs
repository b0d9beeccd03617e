//! The scoped, filtered list of cases.

use super::*;
use crate::Listing;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CaseFilter {
    pub status: Option<String>,
    /// `overdue`, `nearly_due`, `withdrawn_overdue`, `undelivered` or `unverified`
    pub due: Option<String>,
    pub department: Option<String>,
    pub point: Option<String>,
    /// Exact ID number: found through its keyed digest.
    pub id_number: Option<String>,
    pub credit_code: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// The next page after a row (keyset pagination), as the previous page gave it
    /// (`next_cursor`); instead of `page`.
    pub cursor: Option<String>,
}

/// The sort key of the list: the promised deadline (cases without one last), newest
/// first within a day. Indexes on the same expression serve it (migration 22).
const DUE_KEY: &str = "COALESCE(c.promised_deadline, '9999-12-31')";

/// A cursor of the case list: the last row's deadline key and id.
fn parse_cursor(c: &str) -> Result<(String, i64)> {
    let bad = || StoreError::invalid("cursor", "cursor 无效：请使用上一页返回的 next_cursor");
    let (due, id) = c.split_once('~').ok_or_else(bad)?;
    time::parse_day(due).ok_or_else(bad)?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    Ok((due.to_string(), id))
}

/// The list's conditions, on the case's own columns only (the count needs no join),
/// each as ` AND …`.
async fn conditions(store: &Store, p: &Principal, f: &CaseFilter, today: NaiveDate) -> Result<Sql> {
    let mut filter = Sql::new("");
    scope(p, &mut filter)?;
    match f.status.as_deref().filter(|s| !s.is_empty()) {
        None => {}
        // Every case still being handled.
        Some("open") => {
            let open = crate::code_list(
                CaseStatus::ALL.iter().copied().filter(|s| !s.is_final()),
                CaseStatus::as_str,
            );
            filter.push(" AND c.status IN ").push(&open);
        }
        Some(s) => {
            let st = CaseStatus::parse(s)
                .ok_or_else(|| StoreError::invalid("status", format!("未知办件状态“{s}”")))?;
            filter.push(" AND c.status = ").bind_s(st.as_str());
        }
    }
    match f.due.as_deref() {
        None | Some("") => {}
        Some("overdue") => {
            filter
                .push(" AND c.status = ")
                .bind_s(CaseStatus::Accepted.as_str())
                .push(" AND c.promised_deadline < ")
                .bind_s(time::day(today));
        }
        // Withdrawn after their promised date had passed: a withdrawal must not hide a
        // case the office let run late.
        // Written as the partial index `cases_withdrawn_late` is (a literal status), so
        // SQLite can prove the index covers it.
        Some("withdrawn_overdue") => {
            filter.push(
                " AND c.status = 'withdrawn' AND c.promised_deadline IS NOT NULL AND c.promised_deadline < c.closed_on",
            );
        }
        // Licenses granted on a commitment whose verification is overdue.
        Some("unverified") => {
            filter
                .push(" AND c.mode = 'commitment' AND c.verified_at IS NULL AND c.revoked_on IS NULL AND c.verify_by < ")
                .bind_s(time::day(today));
        }
        // Decisions not delivered within the ten working days of Art. 44.
        Some("undelivered") => {
            filter
                .push(" AND c.delivered_on IS NULL AND c.deliver_by < ")
                .bind_s(time::day(today));
        }
        Some("nearly_due") => {
            let cal = calendar::current(store).await?;
            let limit =
                cal.deadline_or_estimate(today, tongban_domain::case::NEARLY_DUE_WORKING_DAYS);
            filter
                .push(" AND c.status = ")
                .bind_s(CaseStatus::Accepted.as_str())
                .push(" AND c.promised_deadline >= ")
                .bind_s(time::day(today));
            filter
                .push(" AND c.promised_deadline <= ")
                .bind_s(time::day(limit));
        }
        Some(_) => {
            return Err(StoreError::invalid(
                "due",
                "due 应为 overdue（已超期）、nearly_due（临近到期）、withdrawn_overdue（超期后撤回）、undelivered（逾期未送达）或 unverified（告知承诺逾期未核查）",
            ));
        }
    }
    if let Some(d) = f.department.as_deref().filter(|s| !s.is_empty()) {
        filter
            .push(" AND c.department_id = (SELECT id FROM departments WHERE code = ")
            .bind_s(d)
            .push(")");
    }
    if let Some(pt) = f.point.as_deref().filter(|s| !s.is_empty()) {
        filter
            .push(" AND c.point_id = (SELECT id FROM points WHERE code = ")
            .bind_s(pt)
            .push(")");
    }
    if let Some(idn) = f.id_number.as_deref().filter(|s| !s.is_empty()) {
        let idn = idn.trim().to_ascii_uppercase();
        filter
            .push(" AND c.id_number_digest = ")
            .bind_s(store.keys().digest("id", &idn));
    }
    if let Some(cc) = f.credit_code.as_deref().filter(|s| !s.is_empty()) {
        filter
            .push(" AND c.credit_code = ")
            .bind_s(cc.trim().to_ascii_uppercase());
    }
    Ok(filter)
}

/// Cases the principal may see, filtered; sorted by promised deadline. Paged by a
/// cursor (keyset, as fast on the last page as on the first) or, for older clients,
/// by page number; counted up to `COUNT_CAP`.
pub async fn list(store: &Store, p: &Principal, f: &CaseFilter) -> Result<Listing<CaseView>> {
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, 20, 500)?;
    let after = f
        .cursor
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(parse_cursor)
        .transpose()?;
    let today = time::local_day(time::now());
    let filter = conditions(store, p, f, today).await?;
    let mut conn = store.reader().await?;
    let total = filter
        .count_capped(&mut conn, "FROM cases c WHERE 1 = 1")
        .await?;
    // The page's ids first, from the case table and its indexes alone (a deep page
    // skips index entries, not joined rows); then those rows with their joins. The ids
    // are a table the joins start from, not an `IN` list: PostgreSQL would join every
    // case and keep the page's twenty at the end (a hash semi-join, 90 ms at 30,000).
    let joins = CASE_FROM.trim_start_matches(" FROM cases c");
    let mut q = filter.with_text(format!(
        "SELECT {CASE_COLUMNS} FROM (SELECT c.id FROM cases c WHERE 1 = 1{}",
        filter.text
    ));
    if let Some((due, id)) = &after {
        // The key's range first (an index seek), then past the last row of its day.
        q.push(&format!(" AND {DUE_KEY} >= "))
            .bind_s(due.as_str())
            .push(&format!(" AND ({DUE_KEY} > "))
            .bind_s(due.as_str())
            .push(" OR c.id < ")
            .bind_i(*id)
            .push(")");
    }
    // A `due` filter picks few rows through its own index (overdue, undelivered…):
    // sort those, rather than let the planner walk the deadline index hoping the
    // LIMIT stops it early, which reads every case when none match. So does a status
    // other than closed: the cases still being handled are the latest deadlines, and
    // PostgreSQL walked 300,000 closed ones to reach them (0.7 s at a Kunshan-sized
    // year; sorted, 60 ms).
    let selective = f.due.as_deref().is_some_and(|d| !d.is_empty())
        || f.status
            .as_deref()
            .is_some_and(|s| !s.is_empty() && s != CaseStatus::Closed.as_str());
    let order = if selective {
        format!("({DUE_KEY} || '')")
    } else {
        DUE_KEY.to_string()
    };
    q.push(&format!(" ORDER BY {order}, c.id DESC LIMIT "))
        .bind_i(per_page);
    if after.is_none() && skip > 0 {
        q.push(" OFFSET ").bind_i(skip);
    }
    q.push(&format!(
        ") page JOIN cases c ON c.id = page.id{joins} ORDER BY {DUE_KEY}, c.id DESC"
    ));
    let rows = q.query().fetch_all(&mut *conn).await?;
    let cal = calendar::load(store, &mut conn).await?;
    let cases = rows
        .iter()
        .map(|r| view_from(r, &cal, today))
        .collect::<Result<Vec<_>>>()?;
    let next_cursor = if cases.len() as i64 == per_page {
        rows.last()
            .map(|r| -> Result<String> {
                let due: Option<String> = r.try_get("promised_deadline")?;
                let id: i64 = r.try_get("id")?;
                Ok(format!("{}~{id}", due.as_deref().unwrap_or("9999-12-31")))
            })
            .transpose()?
    } else {
        None
    };
    Ok(Listing {
        rows: cases,
        total,
        next_cursor,
    })
}
