//! The scoped, filtered list of cases.

use super::*;

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
}

/// Cases the principal may see, filtered; open ones sorted by promised deadline.
pub async fn list(store: &Store, p: &Principal, f: &CaseFilter) -> Result<(Vec<CaseView>, i64)> {
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, 20, 500)?;
    let today = time::local_day(time::now());
    let mut filter = Sql::new(CASE_FROM);
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
        Some("withdrawn_overdue") => {
            filter
                .push(" AND c.status = ")
                .bind_s(CaseStatus::Withdrawn.as_str())
                .push(" AND c.promised_deadline IS NOT NULL AND c.promised_deadline < c.closed_on");
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
        filter.push(" AND d.code = ").bind_s(d);
    }
    if let Some(pt) = f.point.as_deref().filter(|s| !s.is_empty()) {
        filter.push(" AND p.code = ").bind_s(pt);
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
    let mut conn = store.reader().await?;
    let total: i64 = filter
        .with_text(format!("SELECT COUNT(*){}", filter.text))
        .query_scalar()
        .fetch_one(&mut *conn)
        .await?;
    let mut q = filter.with_text(format!("SELECT {CASE_COLUMNS}{}", filter.text));
    q.push(" ORDER BY CASE WHEN c.promised_deadline IS NULL THEN 1 ELSE 0 END, c.promised_deadline, c.id DESC LIMIT ")
        .bind_i(per_page)
        .push(" OFFSET ")
        .bind_i(skip);
    let rows = q.query().fetch_all(&mut *conn).await?;
    let cal = calendar::load(store, &mut conn).await?;
    let cases = rows
        .iter()
        .map(|r| view_from(r, &cal, today))
        .collect::<Result<Vec<_>>>()?;
    Ok((cases, total))
}
