//! 12345 咨询知识库: articles (question, answer, department, tags, valid until),
//! searched by anyone with Chinese word segmentation and highlighted snippets; the
//! agents' suggestions while they type; the queue of questions nobody found an
//! answer to (searches without a hit, agents' reports), answered by writing an
//! article; FAQ posts (问答 series). Each write is one transaction that takes the
//! next `kb_rev`, so every node's search index (`index`) catches up with it.

pub mod index;

use crate::audit::{self, Actor};
use crate::org::{Principal, department_by_code, next_counter};
use crate::{Result, Sql, Store, StoreError, time};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use tongban_domain::org::Role;
use tongban_domain::required_text;

pub use index::SearchIndex;

pub(crate) const PUBLISHED: &str = "published";
const WITHDRAWN: &str = "withdrawn";
pub const MAX_QUESTION_CHARS: usize = 200;
pub const MAX_ANSWER_CHARS: usize = 5000;
const MAX_TAGS: usize = 10;
/// Longest text remembered as an unanswered question.
const MAX_ASKED_CHARS: usize = 100;

/// New questions the public's searches may add to the queue in an hour, all
/// visitors together: enough for a county, and a flood of invented questions cannot
/// bury the real ones or grow the audit chain without bound (repeats only count).
pub const PUBLIC_QUESTIONS_PER_HOUR: i64 = 200;

/// An article as an editor submits it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ArticleInput {
    pub question: Option<String>,
    pub answer: Option<String>,
    /// Code of the department that answers for it.
    pub department: Option<String>,
    /// Tags, separated by commas, 、 or spaces.
    pub tags: Option<String>,
    /// Last day the answer holds (`YYYY-MM-DD`); empty: no end.
    pub valid_until: Option<String>,
    /// Part of the public 问答 series.
    pub faq: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Department {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: i64,
    pub question: String,
    pub answer: String,
    pub department: Option<Department>,
    pub tags: Vec<String>,
    pub valid_until: Option<String>,
    /// The end date has passed: kept for the record, not shown to the public.
    pub expired: bool,
    pub faq: bool,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A search.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    /// Department code.
    pub department: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: i64,
    pub question: String,
    /// The question with the query's words in `<mark>` (HTML, escaped).
    pub question_html: String,
    /// The best matching part of the answer, highlighted likewise.
    pub snippet_html: String,
    pub answer: String,
    pub department: Option<Department>,
    pub tags: Vec<String>,
    pub valid_until: Option<String>,
    pub expired: bool,
    pub faq: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub q: String,
    /// Another page of hits follows (the exact count is not computed: ranking
    /// skips the documents that cannot reach the page).
    pub more: bool,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Hit>,
}

/// Who searches: the public sees valid articles only, and a search of theirs that
/// finds nothing joins the queue of unanswered questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Staff,
}

const COLUMNS: &str = "a.id, a.question, a.answer, a.tags, a.valid_until, a.faq, a.status, a.created_by, \
     a.created_at, a.updated_at, d.code AS dcode, d.name AS dname";
const FROM: &str =
    " FROM kb_articles a LEFT JOIN departments d ON d.id = a.department_id WHERE 1 = 1";

fn today() -> String {
    time::day(time::local_day(time::now()))
}

fn article_from(r: &sqlx::any::AnyRow, today: &str) -> Result<Article> {
    let code: Option<String> = r.try_get("dcode")?;
    let name: Option<String> = r.try_get("dname")?;
    let valid_until: Option<String> = r.try_get("valid_until")?;
    let tags: String = r.try_get("tags")?;
    Ok(Article {
        id: r.try_get("id")?,
        question: r.try_get("question")?,
        answer: r.try_get("answer")?,
        department: code.zip(name).map(|(code, name)| Department { code, name }),
        tags: split_tags(&tags),
        expired: valid_until.as_deref().is_some_and(|v| v < today),
        valid_until,
        faq: crate::flag(r, "faq")?,
        status: r.try_get("status")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn split_tags(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ' ', '\u{3000}', ';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn can_edit(p: &Principal) -> Result<()> {
    match p.role {
        Role::Admin | Role::HotlineAgent | Role::Supervisor | Role::UnitHandler => Ok(()),
        _ => Err(StoreError::Forbidden(format!(
            "{}不能维护知识库",
            p.role.label()
        ))),
    }
}

/// A validated article.
struct Valid {
    question: String,
    answer: String,
    department_id: Option<i64>,
    tags: String,
    valid_until: Option<String>,
    faq: bool,
}

async fn validate(conn: &mut AnyConnection, p: &Principal, input: &ArticleInput) -> Result<Valid> {
    let question = required_text(
        "question",
        "问题",
        input.question.as_deref().unwrap_or(""),
        MAX_QUESTION_CHARS,
    )?;
    let answer = required_text(
        "answer",
        "答案",
        input.answer.as_deref().unwrap_or(""),
        MAX_ANSWER_CHARS,
    )?;
    let department_id = match input
        .department
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(code) => Some(
            department_by_code(conn, code)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("department", format!("部门代码“{code}”不存在"))
                })?
                .id,
        ),
    };
    // A member unit's handler answers for their own unit only.
    if p.role == Role::UnitHandler && department_id != p.department_id {
        return Err(StoreError::invalid(
            "department",
            "成员单位只能维护本单位的知识库条目",
        ));
    }
    let tags = split_tags(input.tags.as_deref().unwrap_or(""));
    if tags.len() > MAX_TAGS {
        return Err(StoreError::invalid(
            "tags",
            format!("标签不能超过{MAX_TAGS}个"),
        ));
    }
    if tags.iter().any(|t| t.chars().count() > 20) {
        return Err(StoreError::invalid("tags", "每个标签不能超过20个字"));
    }
    let valid_until = match input
        .valid_until
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(time::parse_day(s).map(time::day).ok_or_else(|| {
            StoreError::invalid("valid_until", "有效期至应为日期，如 2026-12-31")
        })?),
    };
    Ok(Valid {
        question,
        answer,
        department_id,
        tags: tags.join(","),
        valid_until,
        faq: input.faq.unwrap_or(false),
    })
}

async fn load(conn: &mut AnyConnection, id: i64) -> Result<Article> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}{FROM} AND a.id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| not_found(id))?;
    article_from(&row, &today())
}

fn not_found(id: i64) -> StoreError {
    StoreError::not_found(format!("知识库条目 {id} 不存在"))
}

async fn insert(conn: &mut AnyConnection, v: &Valid, by: &str) -> Result<i64> {
    let rev = next_counter(conn, "kb_rev").await?;
    let now = time::stamp(time::now());
    Ok(sqlx::query_scalar(
        "INSERT INTO kb_articles (question, answer, department_id, tags, valid_until, faq, status, rev, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(&v.question)
    .bind(&v.answer)
    .bind(v.department_id)
    .bind(&v.tags)
    .bind(&v.valid_until)
    .bind(i64::from(v.faq))
    .bind(PUBLISHED)
    .bind(rev)
    .bind(by)
    .bind(&now)
    .fetch_one(conn)
    .await?)
}

/// Publishes a new article.
pub async fn create(store: &Store, p: &Principal, input: &ArticleInput) -> Result<Article> {
    can_edit(p)?;
    let mut tx = store.begin().await?;
    let v = validate(&mut tx, p, input).await?;
    let id = insert(&mut tx, &v, &p.display_name).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "kb.create",
        "kb_article",
        &id.to_string(),
        serde_json::json!({ "question": v.question, "faq": v.faq }),
    )
    .await?;
    let a = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(a)
}

/// Rewrites an article (a member unit's handler: their own unit's only).
pub async fn update(
    store: &Store,
    p: &Principal,
    id: i64,
    input: &ArticleInput,
) -> Result<Article> {
    can_edit(p)?;
    let mut tx = store.begin().await?;
    let before = load(&mut tx, id).await?;
    own_unit(&mut tx, p, id).await?;
    let v = validate(&mut tx, p, input).await?;
    let rev = next_counter(&mut tx, "kb_rev").await?;
    sqlx::query(
        "UPDATE kb_articles SET question = $1, answer = $2, department_id = $3, tags = $4, valid_until = $5, \
         faq = $6, status = $7, rev = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&v.question)
    .bind(&v.answer)
    .bind(v.department_id)
    .bind(&v.tags)
    .bind(&v.valid_until)
    .bind(i64::from(v.faq))
    .bind(PUBLISHED)
    .bind(rev)
    .bind(time::stamp(time::now()))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "kb.update",
        "kb_article",
        &id.to_string(),
        serde_json::json!({ "before": before.question, "question": v.question }),
    )
    .await?;
    let a = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(a)
}

async fn own_unit(conn: &mut AnyConnection, p: &Principal, id: i64) -> Result<()> {
    if p.role != Role::UnitHandler {
        return Ok(());
    }
    let dept: Option<i64> =
        sqlx::query_scalar("SELECT department_id FROM kb_articles WHERE id = $1")
            .bind(id)
            .fetch_one(conn)
            .await?;
    if dept.is_none() || dept != p.department_id {
        return Err(StoreError::Forbidden(
            "成员单位只能维护本单位的知识库条目".into(),
        ));
    }
    Ok(())
}

/// Withdraws an article from search (kept for the record).
pub async fn withdraw(store: &Store, p: &Principal, id: i64) -> Result<Article> {
    can_edit(p)?;
    let mut tx = store.begin().await?;
    let before = load(&mut tx, id).await?;
    own_unit(&mut tx, p, id).await?;
    if before.status == WITHDRAWN {
        return Err(StoreError::Conflict {
            field: "id",
            message: "该条目已撤下".into(),
        });
    }
    let rev = next_counter(&mut tx, "kb_rev").await?;
    sqlx::query("UPDATE kb_articles SET status = $1, rev = $2, updated_at = $3 WHERE id = $4")
        .bind(WITHDRAWN)
        .bind(rev)
        .bind(time::stamp(time::now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "kb.withdraw",
        "kb_article",
        &id.to_string(),
        serde_json::json!({ "question": before.question }),
    )
    .await?;
    let a = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(a)
}

/// One article: the public sees published ones still valid.
pub async fn get(store: &Store, id: i64, audience: Audience) -> Result<Article> {
    let mut c = store.reader().await?;
    let a = load(&mut c, id).await?;
    if audience == Audience::Public && (a.status != PUBLISHED || a.expired) {
        return Err(not_found(id));
    }
    Ok(a)
}

/// Filters of the editors' list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFilter {
    pub status: Option<String>,
    pub department: Option<String>,
    pub faq: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Articles, latest changed first, with the total.
pub async fn list(store: &Store, f: &ListFilter) -> Result<(Vec<Article>, i64)> {
    let mut sql = Sql::new(FROM);
    match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {}
        Some(s @ (PUBLISHED | WITHDRAWN)) => {
            sql.push(" AND a.status = ").bind_s(s);
        }
        Some(_) => {
            return Err(StoreError::invalid(
                "status",
                "状态应为 published（已发布）或 withdrawn（已撤下）",
            ));
        }
    }
    if let Some(d) = f
        .department
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        sql.push(" AND d.code = ").bind_s(d);
    }
    if let Some(faq) = f.faq {
        sql.push(" AND a.faq = ").bind_i(i64::from(faq));
    }
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, 20, 200)?;
    page_of(store, &sql, "a.updated_at DESC, a.id DESC", per_page, skip).await
}

/// One page of the articles `sql` selects, in `order`, with the total.
async fn page_of(
    store: &Store,
    sql: &Sql,
    order: &str,
    per_page: i64,
    skip: i64,
) -> Result<(Vec<Article>, i64)> {
    let mut c = store.reader().await?;
    let total: i64 = sql
        .with_text(format!("SELECT CAST(COUNT(*) AS BIGINT){}", sql.text))
        .query_scalar()
        .fetch_one(&mut *c)
        .await?;
    let rows = sql
        .with_text(format!(
            "SELECT {COLUMNS}{} ORDER BY {order} LIMIT {per_page} OFFSET {skip}",
            sql.text
        ))
        .query()
        .fetch_all(&mut *c)
        .await?;
    let today = today();
    let list = rows
        .iter()
        .map(|r| article_from(r, &today))
        .collect::<Result<Vec<_>>>()?;
    Ok((list, total))
}

/// The public 问答 series: published FAQ posts still valid, newest first.
pub async fn faq(store: &Store, page: Option<i64>) -> Result<(Vec<Article>, i64)> {
    let mut sql = Sql::new(FROM);
    sql.push(" AND a.faq = 1 AND a.status = ")
        .bind_s(PUBLISHED)
        .push(" AND (a.valid_until IS NULL OR a.valid_until >= ")
        .bind_s(today())
        .push(")");
    let (_, per_page, skip) = crate::paging(page, None, 20, 200)?;
    page_of(store, &sql, "a.created_at DESC, a.id DESC", per_page, skip).await
}

/// Searches the knowledge base. A public search on its first page that finds
/// nothing is remembered as an unanswered question.
pub async fn search(store: &Store, q: &SearchQuery, audience: Audience) -> Result<Results> {
    let text = q.q.as_deref().unwrap_or("").trim().to_string();
    if text.chars().count() > MAX_QUESTION_CHARS {
        return Err(StoreError::invalid(
            "q",
            format!("搜索内容不能超过{MAX_QUESTION_CHARS}个字"),
        ));
    }
    let (page, per_page, skip) = crate::paging(q.page, q.per_page, 10, 50)?;
    let department_id = match q
        .department
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(code) => {
            let mut c = store.reader().await?;
            Some(
                department_by_code(&mut c, code)
                    .await?
                    .ok_or_else(|| {
                        StoreError::invalid("department", format!("部门代码“{code}”不存在"))
                    })?
                    .id,
            )
        }
    };
    let words = index::query_words(&text);
    let mut results = Results {
        q: text.clone(),
        more: false,
        page,
        per_page,
        items: vec![],
    };
    if words.is_empty() {
        return Ok(results);
    }
    let hits = store
        .kb_index()
        .search(
            store,
            index::IndexQuery {
                words,
                department_id,
                valid_on: (audience == Audience::Public).then(today),
                offset: skip as usize,
                limit: per_page as usize,
            },
        )
        .await?;
    results.more = hits.more;
    if !hits.ids.is_empty() {
        let mut sql = Sql::new(FROM);
        sql.push(" AND a.status = ")
            .bind_s(PUBLISHED)
            .push(" AND a.id IN (");
        for (i, id) in hits.ids.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind_i(*id);
        }
        sql.push(")");
        let mut c = store.reader().await?;
        let rows = sql
            .with_text(format!("SELECT {COLUMNS}{}", sql.text))
            .query()
            .fetch_all(&mut *c)
            .await?;
        let today = today();
        let mut found = rows
            .iter()
            .map(|r| article_from(r, &today))
            .collect::<Result<Vec<_>>>()?;
        // In the index's order (by relevance).
        found.sort_by_key(|a| hits.ids.iter().position(|i| *i == a.id));
        let s = hits.snippets();
        results.items = found
            .into_iter()
            .map(|a| Hit {
                id: a.id,
                question_html: s.question(&a.question),
                snippet_html: s.answer(&a.answer),
                question: a.question,
                answer: a.answer,
                department: a.department,
                tags: a.tags,
                valid_until: a.valid_until,
                expired: a.expired,
                faq: a.faq,
            })
            .collect();
    }
    if audience == Audience::Public && results.items.is_empty() && page == 1 {
        record_question(store, &text, "public").await?;
    }
    Ok(results)
}

/// A question text reduced for recognising repeats: no spaces, punctuation or case.
fn normalize(q: &str) -> String {
    q.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Adds a question to the queue of unanswered ones (or counts it again).
pub async fn record_question(store: &Store, text: &str, source: &str) -> Result<()> {
    let text = text.trim();
    let norm = normalize(text);
    if norm.chars().count() < 2 || text.chars().count() > MAX_ASKED_CHARS {
        return Ok(());
    }
    let now = time::stamp(time::now());
    let mut tx = store.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE kb_questions SET asked = asked + 1, last_asked_at = $1 WHERE norm = $2 RETURNING id",
    )
    .bind(&now)
    .bind(&norm)
    .fetch_optional(&mut *tx)
    .await?;
    if id.is_none() && source == "public" {
        let hour_ago = time::stamp(time::now() - chrono::Duration::hours(1));
        let recent: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM kb_questions WHERE source = 'public' AND first_asked_at >= $1",
        )
        .bind(&hour_ago)
        .fetch_one(&mut *tx)
        .await?;
        if recent >= PUBLIC_QUESTIONS_PER_HOUR {
            tracing::warn!(recent, "public questions capped for this hour");
            return Ok(());
        }
    }
    if id.is_none() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO kb_questions (question, norm, source, asked, first_asked_at, last_asked_at, status) \
             VALUES ($1, $2, $3, 1, $4, $4, 'open') RETURNING id",
        )
        .bind(text)
        .bind(&norm)
        .bind(source)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            store.keys(),
            &Actor::system("kb"),
            "kb.question",
            "kb_question",
            &id.to_string(),
            serde_json::json!({ "question": text, "source": source }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// An agent reports a question the knowledge base could not answer.
pub async fn report_question(store: &Store, p: &Principal, text: &str) -> Result<()> {
    can_edit(p)?;
    let text = required_text("question", "问题", text, MAX_ASKED_CHARS)?;
    if normalize(&text).chars().count() < 2 {
        return Err(StoreError::invalid("question", "问题至少应有两个字"));
    }
    record_question(store, &text, "agent").await
}

#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: i64,
    pub question: String,
    pub source: String,
    pub asked: i64,
    pub first_asked_at: String,
    pub last_asked_at: String,
    pub status: String,
    pub article_id: Option<i64>,
}

/// The queue: open questions, most asked first (or answered/dismissed ones).
pub async fn questions(
    store: &Store,
    status: Option<&str>,
    page: Option<i64>,
) -> Result<(Vec<Question>, i64)> {
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => "open",
        Some(s @ ("open" | "answered" | "dismissed")) => s,
        Some(_) => {
            return Err(StoreError::invalid(
                "status",
                "状态应为 open（待答复）、answered（已答复）或 dismissed（已忽略）",
            ));
        }
    };
    let (_, per_page, skip) = crate::paging(page, None, 20, 200)?;
    let mut c = store.reader().await?;
    let total: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM kb_questions WHERE status = $1")
            .bind(status)
            .fetch_one(&mut *c)
            .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, question, source, asked, first_asked_at, last_asked_at, status, article_id FROM kb_questions \
         WHERE status = $1 ORDER BY asked DESC, last_asked_at DESC, id LIMIT {per_page} OFFSET {skip}"
    )))
    .bind(status)
    .fetch_all(&mut *c)
    .await?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(Question {
                id: r.try_get("id")?,
                question: r.try_get("question")?,
                source: r.try_get("source")?,
                asked: r.try_get("asked")?,
                first_asked_at: r.try_get("first_asked_at")?,
                last_asked_at: r.try_get("last_asked_at")?,
                status: r.try_get("status")?,
                article_id: r.try_get("article_id")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((list, total))
}

async fn open_question(conn: &mut AnyConnection, id: i64) -> Result<String> {
    let row = sqlx::query("SELECT question, status FROM kb_questions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("待答复问题 {id} 不存在")))?;
    let status: String = row.try_get("status")?;
    if status != "open" {
        return Err(StoreError::Conflict {
            field: "id",
            message: "该问题已处理".into(),
        });
    }
    Ok(row.try_get("question")?)
}

/// Answers a queued question by publishing an article (the question's text unless
/// the editor rewrote it).
pub async fn answer_question(
    store: &Store,
    p: &Principal,
    id: i64,
    input: &ArticleInput,
) -> Result<Article> {
    can_edit(p)?;
    let mut tx = store.begin().await?;
    let asked = open_question(&mut tx, id).await?;
    let mut input = input.clone();
    if input
        .question
        .as_deref()
        .is_none_or(|q| q.trim().is_empty())
    {
        input.question = Some(asked.clone());
    }
    let v = validate(&mut tx, p, &input).await?;
    let article = insert(&mut tx, &v, &p.display_name).await?;
    sqlx::query("UPDATE kb_questions SET status = 'answered', article_id = $1, closed_at = $2 WHERE id = $3")
        .bind(article)
        .bind(time::stamp(time::now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "kb.answer",
        "kb_question",
        &id.to_string(),
        serde_json::json!({ "question": asked, "article": article }),
    )
    .await?;
    let a = load(&mut tx, article).await?;
    tx.commit().await?;
    Ok(a)
}

/// Drops a queued question that needs no article (nonsense, a duplicate).
pub async fn dismiss_question(store: &Store, p: &Principal, id: i64) -> Result<()> {
    can_edit(p)?;
    let mut tx = store.begin().await?;
    let asked = open_question(&mut tx, id).await?;
    sqlx::query("UPDATE kb_questions SET status = 'dismissed', closed_at = $1 WHERE id = $2")
        .bind(time::stamp(time::now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "kb.dismiss",
        "kb_question",
        &id.to_string(),
        serde_json::json!({ "question": asked }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A row of a bulk load (demo data, imports): published at once.
pub struct BulkArticle<'a> {
    pub question: &'a str,
    pub answer: &'a str,
    pub department_id: Option<i64>,
    pub tags: &'a str,
    pub valid_until: Option<&'a str>,
    pub faq: bool,
    pub created_at: &'a str,
}

/// Inserts many articles in the caller's transaction (no audit entry each: the
/// caller records one for the load).
pub async fn insert_bulk(
    conn: &mut AnyConnection,
    rows: &[BulkArticle<'_>],
    by: &str,
) -> Result<()> {
    for chunk in rows.chunks(500) {
        let last: i64 = sqlx::query_scalar::<_, i64>(
            "INSERT INTO counters (name, n) VALUES ('kb_rev', $1) ON CONFLICT (name) DO UPDATE SET n = counters.n + $1 RETURNING n",
        )
        .bind(chunk.len() as i64)
        .fetch_one(&mut *conn)
        .await?;
        let first = last - chunk.len() as i64 + 1;
        let mut sql = Sql::new(
            "INSERT INTO kb_articles (question, answer, department_id, tags, valid_until, faq, status, rev, \
             created_by, created_at, updated_at) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind_s(r.question)
                .push(", ")
                .bind_s(r.answer)
                .push(", ");
            match r.department_id {
                Some(d) => sql.bind_i(d),
                None => sql.push("NULL"),
            };
            sql.push(", ").bind_s(r.tags).push(", ");
            match r.valid_until {
                Some(v) => sql.bind_s(v),
                None => sql.push("NULL"),
            };
            sql.push(", ")
                .bind_i(i64::from(r.faq))
                .push(", ")
                .bind_s(PUBLISHED)
                .push(", ")
                .bind_i(first + i as i64)
                .push(", ")
                .bind_s(by)
                .push(", ")
                .bind_s(r.created_at)
                .push(", ")
                .bind_s(r.created_at)
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds an open question asked `asked` times (bulk loads; the caller audits).
pub async fn insert_question(
    conn: &mut AnyConnection,
    question: &str,
    asked: i64,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO kb_questions (question, norm, source, asked, first_asked_at, last_asked_at, status) \
         VALUES ($1, $2, 'public', $3, $4, $4, 'open')",
    )
    .bind(question)
    .bind(normalize(question))
    .bind(asked)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rebuilds this node's search index from the database.
pub async fn rebuild_index(store: &Store, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<u64> {
    store.kb_index().rebuild(store, progress).await
}
