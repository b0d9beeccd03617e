//! What applicants see: the public progress query with its proof, and their own
//! cases on the portal.

use super::*;

/// Checks an applicant's proof for a case: the last six characters of the ID number
/// or credit code. Wrong answers are throttled per address (an address that guessed
/// ten times waits) and, more gently, per case (many addresses guessing one case are
/// slowed, but the owner is never locked out for long). An unknown case and a wrong
/// proof look the same.
pub async fn verify_applicant(
    store: &Store,
    case_no: &CaseNo,
    last_six: &str,
    from: &str,
) -> Result<()> {
    use crate::throttle::{self, PROGRESS_ADDRESS, PROGRESS_CASE};
    let no = case_no;
    let not_found = || StoreError::not_found("未找到办件：请核对办件编号和证件号码后六位");
    let address = format!("progress:addr:{from}");
    let case_key = format!("progress:case:{}", no.as_str());
    throttle::check(store, &[&address, &case_key]).await?;
    let mut conn = store.reader().await?;
    let digest: Option<String> =
        sqlx::query_scalar("SELECT verify_digest FROM cases WHERE case_no = $1")
            .bind(no.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    drop(conn);
    let proof = store
        .keys()
        .digest("verify", &last_six.trim().to_ascii_uppercase());
    if digest.as_deref() == Some(proof.as_str()) {
        return Ok(());
    }
    store
        .write(move |tx| {
            let (address, case_key) = (address.clone(), case_key.clone());
            Box::pin(async move {
                throttle::fail_in(tx, &address, PROGRESS_ADDRESS).await?;
                throttle::fail_in(tx, &case_key, PROGRESS_CASE).await
            })
        })
        .await?;
    Err(not_found())
}

/// Progress query by the public: case number plus the last six characters of the
/// applicant's ID or credit code. Unknown and mismatched look the same.
pub async fn public_progress(
    store: &Store,
    case_no: &CaseNo,
    last_six: &str,
    from: &str,
) -> Result<CaseView> {
    verify_applicant(store, case_no, last_six, from).await?;
    let no = case_no;
    let mut sql = Sql::new(&format!(
        "SELECT {CASE_COLUMNS}{}{CASE_FROM} AND c.case_no = ",
        events_column(store.backend())
    ));
    sql.bind_s(no.as_str());
    let mut rd = store.lazy_reader();
    let row = rd
        .fetch_optional(&sql)
        .await?
        .ok_or_else(|| StoreError::not_found("未找到办件：请核对办件编号和证件号码后六位"))?;
    let mut view = full_view(store, &mut rd, &row).await?;
    for_applicant(&mut view, false);
    Ok(view)
}

/// A case as its applicant sees it: no staff names (their own steps keep theirs
/// when `own` is set), and only the notes written for them.
fn for_applicant(view: &mut CaseView, own: bool) {
    let deemed = view.deemed_accepted;
    for e in &mut view.events {
        let applicants = e.actor.starts_with("申请人");
        if !(own && applicants) {
            e.actor = String::new();
        }
        let tells =
            e.action == "submit" || Action::parse(&e.action).is_some_and(Action::tells_applicant);
        if !tells && !applicants {
            e.note = (e.action == "accept" && deemed).then(|| {
                "本机关未在五个工作日内作出是否受理的决定，依《行政许可法》第三十二条，自收到申请之日起即为受理"
                    .to_string()
            });
        }
    }
}

/// Limits a query to the cases an applicant filed or is the person applying in.
pub(super) fn own(a: &crate::applicants::ApplicantSession, sql: &mut Sql) {
    sql.push(" AND (c.submitter_digest = ")
        .bind_s(a.id_digest.clone())
        .push(" OR c.id_number_digest = ")
        .bind_s(a.id_digest.clone())
        .push(")");
}

/// 我的办件: the applicant's cases, newest first.
pub async fn mine(
    store: &Store,
    a: &crate::applicants::ApplicantSession,
    page: i64,
) -> Result<(Vec<CaseView>, i64)> {
    let page = page.clamp(1, 10_000);
    let today = time::local_day(time::now());
    let mut filter = Sql::new(CASE_FROM);
    own(a, &mut filter);
    let mut conn = store.reader().await?;
    let total: i64 = filter
        .with_text(format!("SELECT COUNT(*){}", filter.text))
        .query_scalar()
        .fetch_one(&mut *conn)
        .await?;
    let mut q = filter.with_text(format!("SELECT {CASE_COLUMNS}{}", filter.text));
    q.push(" ORDER BY c.id DESC LIMIT 20 OFFSET ")
        .bind_i((page - 1) * 20);
    let rows = q.query().fetch_all(&mut *conn).await?;
    let cal = calendar::load(store, &mut conn).await?;
    let cases = rows
        .iter()
        .map(|r| view_from(r, &cal, today))
        .collect::<Result<Vec<_>>>()?;
    Ok((cases, total))
}

/// One of the applicant's own cases with its steps (staff names left out).
pub async fn own_case(
    store: &Store,
    a: &crate::applicants::ApplicantSession,
    case_no: &CaseNo,
) -> Result<CaseView> {
    let no = case_no;
    let mut sql = Sql::new(&format!(
        "SELECT {CASE_COLUMNS}{}{CASE_FROM} AND c.case_no = ",
        events_column(store.backend())
    ));
    sql.bind_s(no.as_str());
    own(a, &mut sql);
    let mut rd = store.lazy_reader();
    let row = rd
        .fetch_optional(&sql)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("未找到您的办件“{case_no}”")))?;
    let mut view = full_view(store, &mut rd, &row).await?;
    for_applicant(&mut view, true);
    Ok(view)
}
