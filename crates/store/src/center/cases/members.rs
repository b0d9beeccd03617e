//! The ordinary cases one application opened together — a construction project's
//! stage (并联审批) or a "one thing" bundle (一件事) — each its department's own,
//! as the application's page, the lead window and the applicant see them.

use super::*;

/// Which kind of joint application the cases belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Stage,
    Bundle,
}

impl Group {
    fn table(self) -> &'static str {
        match self {
            Self::Stage => "stage_cases",
            Self::Bundle => "bundle_cases",
        }
    }
}

/// One department's case within a joint application.
#[derive(Debug, Clone, Serialize)]
pub struct MemberCase {
    pub case_no: String,
    pub item: String,
    pub department: String,
    pub department_name: String,
    pub status: String,
    pub status_label: &'static str,
    pub promised_deadline: Option<String>,
    pub legal_deadline: Option<String>,
    /// The day it ended (closed, refused, withdrawn…), if it has.
    pub ended_on: Option<String>,
    pub result: Option<String>,
    /// A refusal's or a supplement request's reason, shown to the lead window and
    /// the applicant.
    pub reason: Option<String>,
    pub license_no: Option<String>,
    #[serde(skip)]
    approved: bool,
    #[serde(skip)]
    ended: bool,
}

impl MemberCase {
    /// Closed with approval (准予许可).
    pub fn approved(&self) -> bool {
        self.approved
    }
    /// In a final state.
    pub fn ended(&self) -> bool {
        self.ended
    }
    /// Ended without approval: refused, not accepted, withdrawn…
    pub fn unapproved(&self) -> bool {
        self.ended && !self.approved
    }
}

/// Joins the cases a joint application opened to it, in the transaction that
/// opened them, and records each file handed in once on every case whose item asks
/// for its material (`case_materials` in the cases' order).
pub async fn join(
    tx: &mut AnyConnection,
    group: Group,
    application: i64,
    no: &str,
    cases: &[(i64, String)],
    case_materials: &[Vec<String>],
    kept: &[crate::files::Kept],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO {} (application_id, case_id) VALUES ($1, $2)",
        group.table()
    );
    for (i, (case_id, _)) in cases.iter().enumerate() {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(application)
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
        let needs = case_materials.get(i).map(Vec::as_slice).unwrap_or(&[]);
        for k in kept.iter().filter(|k| needs.contains(&k.material)) {
            crate::files::record_on_case(&mut *tx, no, *case_id, k).await?;
        }
    }
    Ok(())
}

/// The cases of one joint application, by department.
pub async fn members(
    rd: &mut AnyConnection,
    group: Group,
    application: i64,
) -> Result<Vec<MemberCase>> {
    let sql = format!(
        "SELECT c.case_no, v.name, d.code, d.name, c.status, c.promised_deadline, c.legal_deadline, c.closed_on, \
         c.updated_at, c.result, c.reason, l.license_no FROM {} s JOIN cases c ON c.id = s.case_id \
         JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version \
         JOIN departments d ON d.id = c.department_id LEFT JOIN licenses l ON l.case_id = c.id \
         WHERE s.application_id = $1 ORDER BY d.sort, d.code, c.id",
        group.table()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(application)
        .fetch_all(&mut *rd)
        .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get(4)?;
            let st = CaseStatus::parse(&status);
            let ended = st.is_some_and(|s| s.is_final());
            let result: Option<String> = r.try_get(9)?;
            let closed_on: Option<String> = r.try_get(7)?;
            let updated: String = r.try_get(8)?;
            Ok(MemberCase {
                case_no: r.try_get(0)?,
                item: r.try_get(1)?,
                department: r.try_get(2)?,
                department_name: r.try_get(3)?,
                status_label: st.map(|s| s.label()).unwrap_or("未知"),
                approved: status == "closed"
                    && result.as_deref().is_some_and(|x| x.starts_with("准予许可")),
                ended,
                ended_on: ended.then(|| {
                    closed_on.unwrap_or_else(|| {
                        time::parse_stamp(&updated)
                            .map(|t| time::day(time::local_day(t)))
                            .unwrap_or_default()
                    })
                }),
                status,
                promised_deadline: r.try_get(5)?,
                legal_deadline: r.try_get(6)?,
                result,
                reason: r.try_get(10)?,
                license_no: r.try_get(11)?,
            })
        })
        .collect()
}

/// The materials handed in and the files that came, against a joint application's
/// items: none
/// foreign to them, each file a PDF, JPG, PNG or OFD, every required one present
/// (named with the items that need it).
pub fn check_joint_materials(
    items: &[crate::catalog::Item],
    given: Option<&[String]>,
    files: &[(String, String, Vec<u8>)],
    whose: &str,
) -> Result<()> {
    let mut known: Vec<&str> = vec![];
    for i in items {
        known.extend(i.content()?.materials.iter().map(|m| m.name.as_str()));
    }
    if let Some(given) = given
        && let Some(stray) = given.iter().find(|g| !known.contains(&g.as_str()))
    {
        return Err(StoreError::invalid(
            "materials",
            format!("“{stray}”不是{whose}的申报材料"),
        ));
    }
    if files.len() > 50 {
        return Err(StoreError::invalid("file", "一次最多上传50个文件"));
    }
    for (m, _, bytes) in files {
        crate::files::check_file(m, bytes)?;
    }
    if let Some(given) = given {
        // Each required material missing, with the items that need it.
        let mut missing: Vec<(String, Vec<String>)> = vec![];
        for i in items {
            for m in i.content()?.materials.iter().filter(|m| m.required) {
                if given.contains(&m.name) {
                    continue;
                }
                match missing.iter_mut().find(|x| x.0 == m.name) {
                    Some(x) => x.1.push(i.name.clone()),
                    None => missing.push((m.name.clone(), vec![i.name.clone()])),
                }
            }
        }
        if !missing.is_empty() {
            return Err(StoreError::invalid(
                "materials",
                format!(
                    "缺少必要材料：{}",
                    missing
                        .iter()
                        .map(|(m, items)| format!("{m}（{}）", items.join("、")))
                        .collect::<Vec<_>>()
                        .join("；")
                ),
            ));
        }
    }
    Ok(())
}
