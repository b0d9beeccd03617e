//! 政府满意度测评: an administrator opens a quarter with its questionnaire and the
//! departments scored; links are issued one by one to enterprises or in batches to
//! distributors, who follow their response rate by a key of their own; each link
//! answers once while its quarter is open. Results per department with the
//! previous quarter, the response rate, and the hot issues raised (the free texts
//! grouped by word); each department sees its own and answers the issues raised,
//! supervisors see all. Links and keys are kept only as digests.

use crate::audit::{self, Actor};
use crate::org::Principal;
use crate::{Result, Store, StoreError, protect, stats, time};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};
use tongban_domain::calendar::Calendar;
use tongban_domain::org::Role;
use tongban_domain::required_text;
use tongban_domain::supervision::Quarter;
use tongban_domain::survey::{
    Answers, DistributorKind, MAX_BATCH, QuestionnaireInput, points, read_answers,
};

fn administers(p: &Principal, what: &str) -> Result<()> {
    match p.role {
        Role::Supervisor | Role::Admin => Ok(()),
        r => Err(StoreError::Forbidden(format!(
            "{}不能{what}（由企业投诉处理中心组织测评）",
            r.label()
        ))),
    }
}

fn digest(token: &str) -> String {
    protect::sm3_hex(format!("survey:{}", token.trim()).as_bytes())
}

/// A quarter's survey as listed.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyView {
    pub quarter: String,
    pub label: String,
    pub title: String,
    pub questions: Vec<String>,
    /// `(code, name)` of the departments scored.
    pub departments: Vec<(String, String)>,
    pub open: bool,
    pub issued: i64,
    pub answered: i64,
}

async fn survey_row(rd: &mut AnyConnection, quarter: &str) -> Result<SurveyView> {
    let r = sqlx::query(
        "SELECT quarter, title, questions, status, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM survey_links l WHERE l.quarter = q.quarter), \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM survey_links l WHERE l.quarter = q.quarter AND l.answered_on IS NOT NULL) \
         FROM survey_quarters q WHERE quarter = $1",
    )
    .bind(quarter)
    .fetch_optional(&mut *rd)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("{quarter}没有满意度测评")))?;
    let departments: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.code, d.name FROM survey_departments s JOIN departments d ON d.id = s.department_id \
         WHERE s.quarter = $1 ORDER BY d.sort, d.code",
    )
    .bind(quarter)
    .fetch_all(&mut *rd)
    .await?;
    let q: String = r.try_get(0)?;
    Ok(SurveyView {
        label: Quarter::parse(&q).map(Quarter::label).unwrap_or_default(),
        quarter: q,
        title: r.try_get(1)?,
        questions: serde_json::from_str(&r.try_get::<String, _>(2)?).unwrap_or_default(),
        open: r.try_get::<String, _>(3)? == "open",
        issued: r.try_get(4)?,
        answered: r.try_get(5)?,
        departments,
    })
}

/// Every quarter's survey, newest first.
pub async fn surveys(store: &Store) -> Result<Vec<SurveyView>> {
    let mut rd = store.reader().await?;
    let quarters: Vec<String> =
        sqlx::query_scalar("SELECT quarter FROM survey_quarters ORDER BY quarter DESC")
            .fetch_all(&mut *rd)
            .await?;
    let mut out = vec![];
    for q in quarters {
        out.push(survey_row(&mut rd, &q).await?);
    }
    Ok(out)
}

/// One quarter's survey.
pub async fn survey(store: &Store, quarter: &str) -> Result<SurveyView> {
    let q = Quarter::parse(quarter)?;
    survey_row(&mut *store.reader().await?, &q.to_string()).await
}

/// Opens a quarter's survey with its questionnaire (administrators and the center's
/// staff); a quarter is opened once.
pub async fn open_survey(
    store: &Store,
    p: &Principal,
    input: &QuestionnaireInput,
) -> Result<SurveyView> {
    administers(p, "开展满意度测评")?;
    let q = input.check().map_err(StoreError::from)?;
    let quarter = q.quarter.to_string();
    let mut tx = store.begin().await?;
    let mut ids = vec![];
    for code in &q.departments {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM departments WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
        ids.push(id.ok_or_else(|| {
            StoreError::invalid("departments", format!("部门代码“{code}”不存在"))
        })?);
    }
    sqlx::query(
        "INSERT INTO survey_quarters (quarter, title, questions, status, opened_at, opened_by) \
         VALUES ($1, $2, $3, 'open', $4, $5)",
    )
    .bind(&quarter)
    .bind(&q.title)
    .bind(serde_json::to_string(&q.questions).map_err(anyhow::Error::from)?)
    .bind(time::stamp(time::now()))
    .bind(&p.actor().name)
    .execute(&mut *tx)
    .await
    .map_err(|e| crate::org::unique_violation(e, "quarter", "该季度的满意度测评已开展"))?;
    for id in ids {
        sqlx::query("INSERT INTO survey_departments (quarter, department_id) VALUES ($1, $2)")
            .bind(&quarter)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "survey.open",
        "survey",
        &quarter,
        json!({ "title": q.title, "questions": q.questions.len(), "departments": q.departments }),
    )
    .await?;
    tx.commit().await?;
    survey(store, &quarter).await
}

/// Closes a quarter's survey: its links answer no more.
pub async fn close_survey(store: &Store, p: &Principal, quarter: &str) -> Result<SurveyView> {
    administers(p, "结束满意度测评")?;
    let q = Quarter::parse(quarter)?.to_string();
    let mut tx = store.begin().await?;
    let done = sqlx::query(
        "UPDATE survey_quarters SET status = 'closed', closed_at = $1, closed_by = $2 WHERE quarter = $3 AND status = 'open'",
    )
    .bind(time::stamp(time::now()))
    .bind(&p.actor().name)
    .bind(&q)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "quarter",
            message: format!("{q}没有进行中的满意度测评"),
        });
    }
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "survey.close",
        "survey",
        &q,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    survey(store, &q).await
}

/// A distributor as listed.
#[derive(Debug, Clone, Serialize)]
pub struct DistributorView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub kind_label: &'static str,
}

/// The distributors, by name.
pub async fn distributors(store: &Store) -> Result<Vec<DistributorView>> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, kind FROM survey_distributors ORDER BY kind, name")
            .fetch_all(&mut *store.reader().await?)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, kind)| DistributorView {
            id,
            kind_label: DistributorKind::parse(&kind).map_or("", DistributorKind::label),
            name,
            kind,
        })
        .collect())
}

/// Registers a distributor; returns it with its key (shown once: the distributor
/// follows its response rate with it).
pub async fn add_distributor(
    store: &Store,
    p: &Principal,
    name: &str,
    kind: &str,
) -> Result<(DistributorView, String)> {
    administers(p, "登记测评发放单位")?;
    let mut f = tongban_domain::Faults::default();
    let name = f.take(required_text("name", "发放单位名称", name, 100));
    let kind = f.take(
        DistributorKind::parse_code_or_label(kind.trim()).ok_or_else(|| {
            tongban_domain::Invalid::new(
                "kind",
                format!(
                    "发放单位类型“{}”无效，应为{}",
                    kind.trim(),
                    DistributorKind::choices()
                ),
            )
        }),
    );
    let (name, kind) = match (name, kind) {
        (Some(n), Some(k)) if f.is_empty() => (n, k),
        _ => return Err(f.finish::<()>(None).unwrap_err().into()),
    };
    let key = protect::random_token();
    let mut tx = store.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO survey_distributors (name, kind, key_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&name)
    .bind(kind.as_str())
    .bind(digest(&key))
    .bind(time::stamp(time::now()))
    .bind(&p.actor().name)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| crate::org::unique_violation(e, "name", "该发放单位已登记"))?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "survey.distributor",
        "survey_distributor",
        &name,
        json!({ "kind": kind.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok((
        DistributorView {
            id,
            name,
            kind: kind.as_str().into(),
            kind_label: kind.label(),
        },
        key,
    ))
}

/// To whom links are issued: a distributor's batch, or one enterprise directly.
pub enum Recipient<'a> {
    Distributor { name: &'a str, count: &'a str },
    Enterprise { name: &'a str },
}

/// Issues one-time links for an open quarter; returns their tokens (shown once:
/// only their digests are kept).
pub async fn issue_links(
    store: &Store,
    p: &Principal,
    quarter: &str,
    to: Recipient<'_>,
) -> Result<Vec<String>> {
    issue_links_at(store, p, quarter, to, time::now()).await
}

/// Issues links as at `now` (an imported history's day).
pub async fn issue_links_at(
    store: &Store,
    p: &Principal,
    quarter: &str,
    to: Recipient<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>> {
    administers(p, "发放测评链接")?;
    let q = Quarter::parse(quarter)?.to_string();
    let mut rd = store.reader().await?;
    if !survey_row(&mut rd, &q).await?.open {
        return Err(StoreError::Conflict {
            field: "quarter",
            message: format!("{q}的满意度测评已结束，不能再发放链接"),
        });
    }
    let (distributor, enterprise, count) = match to {
        Recipient::Distributor { name, count } => {
            let id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM survey_distributors WHERE name = $1")
                    .bind(name.trim())
                    .fetch_optional(&mut *rd)
                    .await?;
            let id = id.ok_or_else(|| {
                StoreError::invalid("distributor", format!("发放单位“{}”未登记", name.trim()))
            })?;
            let n = match count.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_BATCH).contains(&n) => n,
                _ => {
                    return Err(StoreError::invalid(
                        "count",
                        format!("发放数量“{}”无效，应为1至{MAX_BATCH}", count.trim()),
                    ));
                }
            };
            (Some(id), None, n)
        }
        Recipient::Enterprise { name } => (
            None,
            Some(required_text("enterprise_name", "企业名称", name, 100)?),
            1,
        ),
    };
    drop(rd);
    let tokens: Vec<String> = (0..count).map(|_| protect::random_token()).collect();
    let mut tx = store.begin().await?;
    let open: Option<String> = sqlx::query_scalar(
        "SELECT status FROM survey_quarters WHERE quarter = $1 AND status = 'open'",
    )
    .bind(&q)
    .fetch_optional(&mut *tx)
    .await?;
    if open.is_none() {
        return Err(StoreError::Conflict {
            field: "quarter",
            message: format!("{q}的满意度测评已结束，不能再发放链接"),
        });
    }
    let mut ids = vec![];
    for t in &tokens {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO survey_links (quarter, token_hash, distributor_id, enterprise_name, issued_on, issued_at, issued_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&q)
        .bind(digest(t))
        .bind(distributor)
        .bind(enterprise.as_deref())
        .bind(time::day(time::local_day(now)))
        .bind(time::stamp(now))
        .bind(&p.actor().name)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    stats::track_new(&mut tx, &stats::SURVEY_LINKS, &ids).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "survey.issue",
        "survey",
        &q,
        json!({ "distributor": distributor, "enterprise": enterprise, "links": count }),
    )
    .await?;
    tx.commit().await?;
    Ok(tokens)
}

/// The questionnaire a link opens.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub survey: SurveyView,
    pub enterprise_name: Option<String>,
}

/// The link behind a token, open to answer: unknown, answered or its quarter closed
/// are told apart in Chinese.
async fn live_link(rd: &mut AnyConnection, token: &str) -> Result<(i64, String, Option<String>)> {
    let row: Option<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT id, quarter, enterprise_name, answered_on FROM survey_links WHERE token_hash = $1",
    )
    .bind(digest(token))
    .fetch_optional(&mut *rd)
    .await?;
    let Some((id, quarter, name, answered)) = row else {
        return Err(StoreError::not_found(
            "测评链接无效，请核对链接是否完整，或联系发放链接的单位",
        ));
    };
    if answered.is_some() {
        return Err(StoreError::Conflict {
            field: "link",
            message: "该测评链接已经填写过，每个链接只能填写一次。感谢您的参与！".into(),
        });
    }
    let open: String = sqlx::query_scalar("SELECT status FROM survey_quarters WHERE quarter = $1")
        .bind(&quarter)
        .fetch_one(&mut *rd)
        .await?;
    if open != "open" {
        return Err(StoreError::Conflict {
            field: "link",
            message: format!(
                "{}的满意度测评已经结束，不能再填写",
                Quarter::parse(&quarter)
                    .map(Quarter::label)
                    .unwrap_or(quarter)
            ),
        });
    }
    Ok((id, quarter, name))
}

/// The questionnaire behind a one-time link.
pub async fn survey_form(store: &Store, token: &str) -> Result<Form> {
    let mut rd = store.reader().await?;
    let (_, quarter, name) = live_link(&mut rd, token).await?;
    Ok(Form {
        survey: survey_row(&mut rd, &quarter).await?,
        enterprise_name: name,
    })
}

/// Answers a link's questionnaire from the submitted form, once: the scores, the
/// texts and the counters in one transaction.
pub async fn answer_survey(
    store: &Store,
    token: &str,
    submitted: &HashMap<String, String>,
) -> Result<()> {
    answer_survey_at(store, token, submitted, time::now()).await
}

/// Answers a link as at `now` (an imported history's day).
pub async fn answer_survey_at(
    store: &Store,
    token: &str,
    submitted: &HashMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let f = survey_form(store, token).await?;
    let Answers { departments } =
        read_answers(&f.survey.departments, f.survey.questions.len(), submitted)
            .map_err(StoreError::from)?;
    let mut tx = store.begin().await?;
    let (link, quarter, _) = live_link(&mut tx, token).await?;
    let cal = Calendar::default();
    let before = stats::snapshot(&mut tx, &stats::SURVEY_LINKS, &[link], &cal).await?;
    let done = sqlx::query(
        "UPDATE survey_links SET answered_on = $1, answered_at = $2 WHERE id = $3 AND answered_on IS NULL",
    )
    .bind(time::day(time::local_day(now)))
    .bind(time::stamp(now))
    .bind(link)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "link",
            message: "该测评链接已经填写过，每个链接只能填写一次。感谢您的参与！".into(),
        });
    }
    for (code, scores, text) in &departments {
        let dept: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *tx)
            .await?;
        for (i, s) in scores.iter().enumerate() {
            sqlx::query(
                "INSERT INTO survey_scores (link_id, department_id, question, score) VALUES ($1, $2, $3, $4)",
            )
            .bind(link)
            .bind(dept)
            .bind(i as i64)
            .bind(i64::from(*s))
            .execute(&mut *tx)
            .await?;
        }
        if !text.is_empty() {
            sqlx::query(
                "INSERT INTO survey_comments (link_id, quarter, department_id, body) VALUES ($1, $2, $3, $4)",
            )
            .bind(link)
            .bind(&quarter)
            .bind(dept)
            .bind(text)
            .execute(&mut *tx)
            .await?;
        }
    }
    let after = stats::snapshot(&mut tx, &stats::SURVEY_LINKS, &[link], &cal).await?;
    stats::track(&mut tx, &stats::SURVEY_LINKS, Some(&before), &after).await?;
    stats::track_new(&mut tx, &stats::SURVEY, &[link]).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &Actor {
            user_id: None,
            name: format!("survey:{link}"),
        },
        "survey.answer",
        "survey",
        &quarter,
        json!({ "link": link, "departments": departments.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A department's result in a quarter.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentResult {
    pub code: String,
    pub name: String,
    /// Mean score as points on 100, and the previous quarter's.
    pub points: Option<f64>,
    pub previous: Option<f64>,
    pub change: Option<f64>,
    pub responses: i64,
    /// Mean points per question.
    pub by_question: Vec<Option<f64>>,
    pub comments: Vec<String>,
    pub reply: Option<String>,
}

/// A distributor's (or the direct links') response rate.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub name: String,
    pub issued: i64,
    pub answered: i64,
    pub rate: Option<f64>,
}

/// A word raised in many free texts, with those texts.
#[derive(Debug, Clone, Serialize)]
pub struct HotIssue {
    pub word: String,
    pub count: usize,
    pub departments: Vec<String>,
    /// The texts, each once with how many said it, most said first (at most ten).
    pub comments: Vec<(String, usize)>,
}

/// A quarter's results as a viewer may see them.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub survey: SurveyView,
    pub previous_quarter: String,
    /// All departments' mean (supervisors), or the viewer's own department's.
    pub overall: Option<f64>,
    pub overall_previous: Option<f64>,
    pub response_rate: Option<f64>,
    pub departments: Vec<DepartmentResult>,
    pub distribution: Vec<Distribution>,
    pub hot_issues: Vec<HotIssue>,
    /// Sees every department.
    pub all: bool,
}

/// Per department (id): `(Σ scores, n, per question (Σ, n))` of a quarter.
type Sums = HashMap<i64, (i64, i64, BTreeMap<i64, (i64, i64)>)>;

async fn sums(rd: &mut AnyConnection, quarter: &str) -> Result<Sums> {
    let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT s.department_id, s.question, CAST(SUM(s.score) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
         FROM survey_scores s JOIN survey_links l ON l.id = s.link_id WHERE l.quarter = $1 \
         GROUP BY s.department_id, s.question",
    )
    .bind(quarter)
    .fetch_all(&mut *rd)
    .await?;
    let mut out: Sums = HashMap::new();
    for (d, q, sum, n) in rows {
        let e = out.entry(d).or_default();
        e.0 += sum;
        e.1 += n;
        e.2.insert(q, (sum, n));
    }
    Ok(out)
}

/// A quarter's results: supervisors and administrators see every department, the
/// distributors and all hot issues; a department's staff its own department only.
pub async fn survey_results(store: &Store, p: &Principal, quarter: &str) -> Result<Results> {
    let all = matches!(p.role, Role::Supervisor | Role::Admin);
    let own = if all {
        None
    } else {
        Some(p.department_id.ok_or_else(|| {
            StoreError::Forbidden("满意度测评结果由企业投诉处理中心和各部门查看".into())
        })?)
    };
    let q = Quarter::parse(quarter)?;
    let mut rd = store.reader().await?;
    let survey = survey_row(&mut rd, &q.to_string()).await?;
    let now = sums(&mut rd, &survey.quarter).await?;
    let before = sums(&mut rd, &q.previous().to_string()).await?;
    let depts: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT d.id, d.code, d.name FROM survey_departments s JOIN departments d ON d.id = s.department_id \
         WHERE s.quarter = $1 ORDER BY d.sort, d.code",
    )
    .bind(&survey.quarter)
    .fetch_all(&mut *rd)
    .await?;
    let comments: Vec<(i64, String)> = sqlx::query_as(
        "SELECT department_id, body FROM survey_comments WHERE quarter = $1 ORDER BY id",
    )
    .bind(&survey.quarter)
    .fetch_all(&mut *rd)
    .await?;
    let replies: HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>(
        "SELECT department_id, reply FROM survey_replies WHERE quarter = $1",
    )
    .bind(&survey.quarter)
    .fetch_all(&mut *rd)
    .await?
    .into_iter()
    .collect();
    let responses: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT s.department_id, CAST(COUNT(DISTINCT s.link_id) AS BIGINT) FROM survey_scores s \
         JOIN survey_links l ON l.id = s.link_id WHERE l.quarter = $1 GROUP BY s.department_id",
    )
    .bind(&survey.quarter)
    .fetch_all(&mut *rd)
    .await?
    .into_iter()
    .collect();
    let seen = |d: i64| own.is_none_or(|o| o == d);
    let mut departments = vec![];
    let (mut sum, mut n, mut psum, mut pn) = (0, 0, 0, 0);
    for (id, code, name) in &depts {
        if !seen(*id) {
            continue;
        }
        let cur = now.get(id);
        let prev = before.get(id);
        let pts = cur.and_then(|c| points(c.0, c.1));
        let previous = prev.and_then(|c| points(c.0, c.1));
        if let Some(c) = cur {
            sum += c.0;
            n += c.1;
        }
        if let Some(c) = prev {
            psum += c.0;
            pn += c.1;
        }
        departments.push(DepartmentResult {
            code: code.clone(),
            name: name.clone(),
            change: pts.zip(previous).map(|(a, b)| a - b),
            points: pts,
            previous,
            responses: responses.get(id).copied().unwrap_or(0),
            by_question: (0..survey.questions.len() as i64)
                .map(|i| cur.and_then(|c| c.2.get(&i)).and_then(|x| points(x.0, x.1)))
                .collect(),
            comments: comments
                .iter()
                .filter(|(d, _)| d == id)
                .map(|(_, b)| b.clone())
                .collect(),
            reply: replies.get(id).cloned(),
        });
    }
    let names: HashMap<i64, String> = depts.iter().map(|(i, _, n)| (*i, n.clone())).collect();
    let visible: Vec<(String, String)> = comments
        .iter()
        .filter(|(d, _)| seen(*d))
        .map(|(d, b)| (names.get(d).cloned().unwrap_or_default(), b.clone()))
        .collect();
    let distribution = if all {
        distribution(&mut rd, &survey.quarter).await?
    } else {
        vec![]
    };
    Ok(Results {
        previous_quarter: q.previous().to_string(),
        overall: points(sum, n),
        overall_previous: points(psum, pn),
        response_rate: (survey.issued > 0).then(|| survey.answered as f64 / survey.issued as f64),
        departments,
        distribution,
        hot_issues: hot_issues(&visible),
        all,
        survey,
    })
}

async fn distribution(rd: &mut AnyConnection, quarter: &str) -> Result<Vec<Distribution>> {
    let rows: Vec<(Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT d.name, CAST(COUNT(*) AS BIGINT), \
         CAST(SUM(CASE WHEN l.answered_on IS NULL THEN 0 ELSE 1 END) AS BIGINT) \
         FROM survey_links l LEFT JOIN survey_distributors d ON d.id = l.distributor_id \
         WHERE l.quarter = $1 GROUP BY d.name ORDER BY d.name",
    )
    .bind(quarter)
    .fetch_all(&mut *rd)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, issued, answered)| Distribution {
            name: name.unwrap_or_else(|| "直接发放".into()),
            rate: (issued > 0).then(|| answered as f64 / issued as f64),
            issued,
            answered,
        })
        .collect())
}

/// Words said of little: kept out of the hot issues.
const STOP_WORDS: &[&str] = &[
    "希望",
    "建议",
    "部门",
    "企业",
    "我们",
    "公司",
    "比较",
    "没有",
    "一些",
    "问题",
    "进一步",
    "能够",
    "可以",
    "需要",
    "工作",
    "服务",
];

/// The free texts grouped by word: each word (two characters or more) said in at
/// least two texts, most said first, with the texts (at most ten issues).
pub fn hot_issues(texts: &[(String, String)]) -> Vec<HotIssue> {
    let mut by_word: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (_, body)) in texts.iter().enumerate() {
        for w in crate::kb::index::query_words(body) {
            if w.chars().count() >= 2 && !STOP_WORDS.contains(&w.as_str()) {
                by_word.entry(w).or_default().push(i);
            }
        }
    }
    let mut issues: Vec<(String, Vec<usize>)> =
        by_word.into_iter().filter(|(_, v)| v.len() >= 2).collect();
    issues.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    // A word whose texts a longer, more said word already groups adds nothing.
    let mut kept: Vec<(String, Vec<usize>)> = vec![];
    for (w, ids) in issues {
        if kept.iter().any(|(k, kids)| *kids == ids && k.contains(&w)) {
            continue;
        }
        kept.push((w, ids));
        if kept.len() == 10 {
            break;
        }
    }
    kept.into_iter()
        .map(|(word, ids)| {
            let mut departments: Vec<String> = ids.iter().map(|i| texts[*i].0.clone()).collect();
            departments.sort();
            departments.dedup();
            let mut said: Vec<(String, usize)> = vec![];
            for i in &ids {
                match said.iter_mut().find(|(t, _)| *t == texts[*i].1) {
                    Some(s) => s.1 += 1,
                    None => said.push((texts[*i].1.clone(), 1)),
                }
            }
            said.sort_by_key(|s| std::cmp::Reverse(s.1));
            said.truncate(10);
            HotIssue {
                word,
                count: ids.len(),
                departments,
                comments: said,
            }
        })
        .collect()
}

/// A department's answer to the issues raised about it in a quarter (its staff),
/// corrected in place.
pub async fn reply_survey(store: &Store, p: &Principal, quarter: &str, text: &str) -> Result<()> {
    let dept = match (p.department_id, p.role) {
        (Some(d), Role::DepartmentHead | Role::Approver) => d,
        _ => {
            return Err(StoreError::Forbidden(
                "由被测评部门的负责人或审批人员答复企业反映的问题".into(),
            ));
        }
    };
    let q = Quarter::parse(quarter)?.to_string();
    let text = required_text("reply", "答复内容", text, 2000)?;
    let mut tx = store.begin().await?;
    let scored: Option<i64> = sqlx::query_scalar(
        "SELECT department_id FROM survey_departments WHERE quarter = $1 AND department_id = $2",
    )
    .bind(&q)
    .bind(dept)
    .fetch_optional(&mut *tx)
    .await?;
    if scored.is_none() {
        return Err(StoreError::not_found(format!(
            "本部门未参加{q}的满意度测评"
        )));
    }
    sqlx::query(
        "INSERT INTO survey_replies (quarter, department_id, reply, replied_at, replied_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (quarter, department_id) DO UPDATE SET reply = excluded.reply, replied_at = excluded.replied_at, \
         replied_by = excluded.replied_by",
    )
    .bind(&q)
    .bind(dept)
    .bind(&text)
    .bind(time::stamp(time::now()))
    .bind(&p.actor().name)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "survey.reply",
        "survey",
        &q,
        json!({ "department": p.department }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A distributor's view by its key: its batches per quarter and their response.
#[derive(Debug, Clone, Serialize)]
pub struct DistributorStatus {
    pub name: String,
    pub kind_label: &'static str,
    /// `(quarter label, issued, answered, rate)`, newest first.
    pub quarters: Vec<(String, i64, i64, Option<f64>)>,
}

/// What a distributor sees with its key.
pub async fn distributor_status(store: &Store, key: &str) -> Result<DistributorStatus> {
    let mut rd = store.reader().await?;
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, kind FROM survey_distributors WHERE key_hash = $1")
            .bind(digest(key))
            .fetch_optional(&mut *rd)
            .await?;
    let (id, name, kind) =
        row.ok_or_else(|| StoreError::not_found("发放单位查询链接无效，请联系企业投诉处理中心"))?;
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT quarter, CAST(COUNT(*) AS BIGINT), CAST(SUM(CASE WHEN answered_on IS NULL THEN 0 ELSE 1 END) AS BIGINT) \
         FROM survey_links WHERE distributor_id = $1 GROUP BY quarter ORDER BY quarter DESC",
    )
    .bind(id)
    .fetch_all(&mut *rd)
    .await?;
    Ok(DistributorStatus {
        name,
        kind_label: DistributorKind::parse(&kind).map_or("", DistributorKind::label),
        quarters: rows
            .into_iter()
            .map(|(q, i, a)| {
                (
                    Quarter::parse(&q).map(Quarter::label).unwrap_or(q),
                    i,
                    a,
                    (i > 0).then(|| a as f64 / i as f64),
                )
            })
            .collect(),
    })
}

/// A link as exported: its quarter, distributor, days; never its token.
#[derive(Debug, Clone, Serialize)]
pub struct LinkExport {
    pub id: i64,
    pub quarter: String,
    pub distributor: Option<String>,
    pub issued_on: String,
    pub answered_on: Option<String>,
}

/// A score as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreExport {
    pub link: i64,
    pub quarter: String,
    pub answered_on: Option<String>,
    pub department: String,
    pub question: i64,
    pub score: i64,
}

/// Every survey link, oldest first, to `sink`.
pub async fn export_links(
    store: &Store,
    mut sink: impl FnMut(LinkExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let select = "SELECT l.id, l.quarter, d.name, l.issued_on, l.answered_on FROM survey_links l \
                  LEFT JOIN survey_distributors d ON d.id = l.distributor_id WHERE 1 = 1";
    crate::keyset_rows(&mut rd, select, "l.id", |r| {
        let id: i64 = r.try_get(0)?;
        sink(LinkExport {
            id,
            quarter: r.try_get(1)?,
            distributor: r.try_get(2)?,
            issued_on: r.try_get(3)?,
            answered_on: r.try_get(4)?,
        })?;
        Ok(id)
    })
    .await
}

/// Every survey score, by link, to `sink`.
pub async fn export_scores(
    store: &Store,
    mut sink: impl FnMut(ScoreExport) -> anyhow::Result<()>,
) -> Result<u64> {
    use futures_util::TryStreamExt;
    let mut rd = store.reader().await?;
    let mut rows = sqlx::query(
        "SELECT s.link_id, l.quarter, l.answered_on, d.code, s.question, s.score FROM survey_scores s \
         JOIN survey_links l ON l.id = s.link_id JOIN departments d ON d.id = s.department_id \
         ORDER BY s.link_id, d.code, s.question",
    )
    .fetch(&mut *rd);
    let mut n = 0;
    while let Some(r) = rows.try_next().await? {
        sink(ScoreExport {
            link: r.try_get(0)?,
            quarter: r.try_get(1)?,
            answered_on: r.try_get(2)?,
            department: r.try_get(3)?,
            question: r.try_get(4)?,
            score: r.try_get(5)?,
        })?;
        n += 1;
    }
    Ok(n)
}
