//! The knowledge base's full-text index (tantivy, with jieba's Chinese word
//! segmentation). It is derived from `kb_articles` and never the source of truth:
//! each node keeps its own (in memory, or in a folder) and catches up on the rows
//! whose `rev` it has not seen before it answers a search, so an article changed
//! through any node is found on every node. The commit payload records the
//! database and the last rev indexed, so a folder index survives restarts and is
//! rebuilt when it belongs to another database.

use crate::{Result, Store, StoreError};
use sqlx::Row;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

const TOKENIZER: &str = "jieba";
/// `valid` of an article without an end date.
const FOREVER: u64 = 99_991_231;
/// Rows read from the database per indexing step.
const CHUNK: i64 = 2000;

static JIEBA: std::sync::LazyLock<jieba_rs::Jieba> = std::sync::LazyLock::new(jieba_rs::Jieba::new);

/// Words that carry no meaning in a question (怎么办理…吗).
const QUERY_STOP_WORDS: &[&str] = &[
    "的", "了", "吗", "呢", "吧", "啊", "怎么", "怎样", "如何", "什么", "哪里", "哪儿", "我",
    "我们", "是", "在", "要", "想", "可以", "能", "能否", "请问", "一下", "有", "和", "与", "及",
];

/// jieba's search-mode cut as a tantivy tokenizer: words and their sub-words, Latin
/// text lower-cased, punctuation and spaces dropped.
#[derive(Clone, Default)]
pub struct JiebaTokenizer;

pub struct JiebaStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for JiebaStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaStream {
        let tokens = words(text)
            .into_iter()
            .enumerate()
            .map(|(position, (from, to, text))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text,
                position_length: 1,
            })
            .collect();
        JiebaStream { tokens, next: 0 }
    }
}

/// The words of `text` with their byte ranges.
fn words(text: &str) -> Vec<(usize, usize, String)> {
    JIEBA
        .cut_for_search(text, true)
        .into_iter()
        .filter(|t| t.word.chars().any(char::is_alphanumeric))
        .map(|t| (t.byte_start, t.byte_end, t.word.to_lowercase()))
        .collect()
}

/// The distinct meaningful words of a query.
pub fn query_words(q: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for (_, _, w) in words(q) {
        if !QUERY_STOP_WORDS.contains(&w.as_str()) && !out.contains(&w) {
            out.push(w);
        }
    }
    out.truncate(32);
    out
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    question: Field,
    answer: Field,
    tags: Field,
    dept: Field,
    valid: Field,
    faq: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | FAST),
        question: b.add_text_field("question", text.clone()),
        answer: b.add_text_field("answer", text.clone()),
        tags: b.add_text_field("tags", text),
        dept: b.add_u64_field("dept", FAST),
        valid: b.add_u64_field("valid", FAST),
        faq: b.add_u64_field("faq", FAST),
    };
    (b.build(), fields)
}

/// A row of `kb_articles` as the index needs it.
pub(crate) struct IndexRow {
    pub id: i64,
    pub rev: i64,
    pub published: bool,
    pub question: String,
    pub answer: String,
    pub tags: String,
    pub department_id: Option<i64>,
    pub valid_until: Option<String>,
    pub faq: bool,
}

fn day_number(day: Option<&str>) -> u64 {
    day.and_then(|d| d.replace('-', "").parse().ok())
        .unwrap_or(FOREVER)
}

/// What a search asks of the index.
pub(crate) struct IndexQuery {
    pub words: Vec<String>,
    pub department_id: Option<i64>,
    /// Only articles valid on this day (`YYYY-MM-DD`); none: all.
    pub valid_on: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

pub(crate) struct IndexHits {
    pub ids: Vec<i64>,
    /// More hits follow this page.
    pub more: bool,
    snippets: Snippets,
}

/// Makes highlighted snippets of the texts of the hits: the query's words found in
/// the text (no second segmentation of every hit: plain search for the words).
pub(crate) struct Snippets {
    words: Vec<String>,
}

impl Snippets {
    /// The question, HTML-escaped, the query's words in `<mark>`.
    pub fn question(&self, text: &str) -> String {
        highlight(&self.words, text, 200)
    }
    /// The part of the answer around the first match.
    pub fn answer(&self, text: &str) -> String {
        highlight(&self.words, text, 120)
    }
}

/// Byte ranges of the words in `text` (Latin letters in any case), merged.
fn matches(words: &[String], text: &str) -> Vec<std::ops::Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let mut ranges: Vec<std::ops::Range<usize>> = vec![];
    for w in words {
        if w.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(i) = lower[from..].find(w.as_str()) {
            let start = from + i;
            ranges.push(start..start + w.len());
            from = start + w.len();
        }
    }
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<std::ops::Range<usize>> = vec![];
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// At most `max` characters of `text` around its first match, escaped, with the
/// matches in `<mark>` and `…` where text was cut.
fn highlight(words: &[String], text: &str, max: usize) -> String {
    let found = matches(words, text);
    let chars = text.chars().count();
    // Start a little before the first match when the text is too long.
    let first = found.first().map_or(0, |r| text[..r.start].chars().count());
    let skip = if chars <= max {
        0
    } else {
        first.saturating_sub(max / 5).min(chars - max)
    };
    let from = text.char_indices().nth(skip).map_or(text.len(), |(i, _)| i);
    let to = text
        .char_indices()
        .nth(skip + max)
        .map_or(text.len(), |(i, _)| i);
    let mut out = String::with_capacity((to - from) * 2);
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for r in found.iter().filter(|r| r.end > from && r.start < to) {
        let (s, e) = (r.start.max(from), r.end.min(to));
        out.push_str(&escape(&text[at..s]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[s..e]));
        out.push_str("</mark>");
        at = e;
    }
    out.push_str(&escape(&text[at..to]));
    if to < text.len() {
        out.push('…');
    }
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One node's index.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Highest rev this node's index holds; -1 before the first check.
    seen: AtomicI64,
    /// One catch-up at a time on this node.
    sync: tokio::sync::Mutex<()>,
}

fn index_error(e: tantivy::TantivyError) -> StoreError {
    StoreError::Other(anyhow::anyhow!("知识库索引错误：{e}"))
}

impl SearchIndex {
    /// An index in memory, built from the database on first use.
    pub fn in_memory() -> Self {
        let (schema, fields) = schema();
        Self::with(Index::create_in_ram(schema), fields).expect("an index in memory opens")
    }

    /// An index kept in `dir` (created if missing), caught up from the database on
    /// first use, or rebuilt when it belongs to another database or an older layout.
    pub fn in_dir(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        let index = match Index::open_or_create(directory, schema.clone()) {
            Ok(i) => i,
            Err(tantivy::TantivyError::SchemaError(_)) => {
                // A layout from another version: start again (it is derived data).
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                Index::create_in_dir(dir, schema)?
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Self::with(index, fields)?)
    }

    fn with(index: Index, fields: Fields) -> tantivy::Result<Self> {
        index.tokenizers().register(TOKENIZER, JiebaTokenizer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            inner: Arc::new(Inner {
                index,
                reader,
                fields,
                seen: AtomicI64::new(-1),
                sync: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Searches, after catching up with the database.
    pub(crate) async fn search(&self, store: &Store, q: IndexQuery) -> Result<IndexHits> {
        self.catch_up(store).await?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.search(&q))
            .await
            .map_err(|e| StoreError::Other(e.into()))?
            .map_err(index_error)
    }

    /// Applies the rows changed since this node last looked.
    pub async fn catch_up(&self, store: &Store) -> Result<()> {
        let max = max_rev(store).await?;
        if self.inner.seen.load(Ordering::Acquire) == max {
            return Ok(());
        }
        let _one = self.inner.sync.lock().await;
        let mut seen = self.inner.seen.load(Ordering::Acquire);
        if seen == max {
            return Ok(());
        }
        let instance = instance_id(store).await?;
        if seen < 0 {
            seen = match self.inner.payload() {
                Some((db, rev)) if db == instance && rev <= max => rev,
                _ => 0,
            };
            if seen == 0 {
                self.inner.clear().map_err(index_error)?;
            }
        } else if max < seen {
            // The database went back (restored): start again.
            self.inner.clear().map_err(index_error)?;
            seen = 0;
        }
        self.apply_from(store, seen, &instance, &|_, _| {}).await?;
        Ok(())
    }

    /// Rebuilds the whole index from the database.
    pub async fn rebuild(
        &self,
        store: &Store,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<u64> {
        let _one = self.inner.sync.lock().await;
        let instance = instance_id(store).await?;
        self.inner.clear().map_err(index_error)?;
        self.apply_from(store, 0, &instance, progress).await
    }

    /// Indexes the rows with a rev above `from`, in chunks, committing once.
    async fn apply_from(
        &self,
        store: &Store,
        from: i64,
        instance: &str,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<u64> {
        let total: i64 = {
            let mut c = store.reader().await?;
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM kb_articles WHERE rev > $1")
                .bind(from)
                .fetch_one(&mut *c)
                .await?
        };
        let inner = self.inner.clone();
        let mut writer = tokio::task::spawn_blocking(move || inner.writer())
            .await
            .map_err(|e| StoreError::Other(e.into()))?
            .map_err(index_error)?;
        let mut last = from;
        let mut done = 0u64;
        loop {
            let rows = rows_after(store, last, CHUNK).await?;
            let Some(end) = rows.last().map(|r| r.rev) else {
                break;
            };
            let n = rows.len() as u64;
            let inner = self.inner.clone();
            writer = tokio::task::spawn_blocking(move || {
                for r in &rows {
                    inner.put(&writer, r)?;
                }
                Ok::<_, tantivy::TantivyError>(writer)
            })
            .await
            .map_err(|e| StoreError::Other(e.into()))?
            .map_err(index_error)?;
            last = end;
            done += n;
            progress(done, total.max(0) as u64);
        }
        let inner = self.inner.clone();
        let payload = serde_json::json!({ "db": instance, "rev": last }).to_string();
        tokio::task::spawn_blocking(move || {
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload);
            commit.commit()?;
            writer.wait_merging_threads()?;
            inner.reader.reload()
        })
        .await
        .map_err(|e| StoreError::Other(e.into()))?
        .map_err(index_error)?;
        self.inner.seen.store(last, Ordering::Release);
        Ok(done)
    }

    /// How many changes of the knowledge base this node's index has not applied
    /// yet (0 when current).
    pub async fn lag(&self, store: &Store) -> Result<i64> {
        let max = max_rev(store).await?;
        let seen = self.inner.seen.load(Ordering::Acquire).max(0);
        Ok((max - seen).max(0))
    }

    /// Documents in the index (for checks).
    pub fn len(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Inner {
    fn writer(&self) -> tantivy::Result<IndexWriter> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get().min(4))
            .unwrap_or(1);
        self.index
            .writer_with_num_threads(threads, threads * 30_000_000)
    }

    fn payload(&self) -> Option<(String, i64)> {
        let metas = self.index.load_metas().ok()?;
        let v: serde_json::Value = serde_json::from_str(metas.payload.as_deref()?).ok()?;
        Some((v["db"].as_str()?.to_string(), v["rev"].as_i64()?))
    }

    fn clear(&self) -> tantivy::Result<()> {
        let mut w = self.writer()?;
        w.delete_all_documents()?;
        w.commit()?;
        w.wait_merging_threads()?;
        self.reader.reload()?;
        self.seen.store(-1, Ordering::Release);
        Ok(())
    }

    fn put(&self, w: &IndexWriter, r: &IndexRow) -> tantivy::Result<()> {
        let f = self.fields;
        w.delete_term(Term::from_field_u64(f.id, r.id as u64));
        if r.published {
            let mut doc = TantivyDocument::default();
            doc.add_u64(f.id, r.id as u64);
            doc.add_text(f.question, &r.question);
            doc.add_text(f.answer, &r.answer);
            doc.add_text(f.tags, &r.tags);
            doc.add_u64(f.dept, r.department_id.unwrap_or(0) as u64);
            doc.add_u64(f.valid, day_number(r.valid_until.as_deref()));
            doc.add_u64(f.faq, u64::from(r.faq));
            w.add_document(doc)?;
        }
        Ok(())
    }

    /// The query is a pure disjunction of term queries, so tantivy ranks it with
    /// block-WAND and skips the many documents a common word matches that cannot
    /// reach the page; the department and the end date are checked afterwards on
    /// the hits, from their columns.
    fn search(&self, q: &IndexQuery) -> tantivy::Result<IndexHits> {
        let f = self.fields;
        let mut should: Vec<(Occur, Box<dyn Query>)> = vec![];
        for w in &q.words {
            for (field, boost) in [(f.question, 3.0), (f.tags, 2.0), (f.answer, 1.0)] {
                let tq = TermQuery::new(
                    Term::from_field_text(field, w),
                    IndexRecordOption::WithFreqs,
                );
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(tq), boost)),
                ));
            }
        }
        let query = BooleanQuery::new(should);
        let searcher = self.reader.searcher();
        let valid_from = q.valid_on.as_deref().map(|d| day_number(Some(d)));
        // One more than the page, to know whether another page follows.
        let need = q.offset + q.limit.max(1) + 1;
        let mut fetch = need + 16;
        // The columns of each segment, opened once.
        type Columns = [tantivy::columnar::Column<u64>; 3];
        let mut opened: Vec<Option<Columns>> = vec![None; searcher.segment_readers().len()];
        let kept = loop {
            let top = searcher.search(&query, &TopDocs::with_limit(fetch).order_by_score())?;
            let mut kept = Vec::with_capacity(need);
            for (_, addr) in &top {
                let slot = &mut opened[addr.segment_ord as usize];
                if slot.is_none() {
                    let ff = searcher.segment_reader(addr.segment_ord).fast_fields();
                    *slot = Some([ff.u64("id")?, ff.u64("valid")?, ff.u64("dept")?]);
                }
                let [ids, valid, dept] = slot.as_ref().expect("opened above");
                if let Some(from) = valid_from
                    && valid.first(addr.doc_id).is_some_and(|v| v < from)
                {
                    continue;
                }
                if let Some(d) = q.department_id
                    && dept.first(addr.doc_id) != Some(d as u64)
                {
                    continue;
                }
                if let Some(id) = ids.first(addr.doc_id) {
                    kept.push(id as i64);
                }
                if kept.len() >= need {
                    break;
                }
            }
            if kept.len() >= need || top.len() < fetch {
                break kept;
            }
            fetch *= 4;
        };
        let more = kept.len() > q.offset + q.limit;
        let ids = kept.into_iter().skip(q.offset).take(q.limit).collect();
        let snippets = Snippets {
            words: q.words.clone(),
        };
        Ok(IndexHits {
            ids,
            more,
            snippets,
        })
    }
}

impl IndexHits {
    pub fn snippets(&self) -> &Snippets {
        &self.snippets
    }
}

async fn max_rev(store: &Store) -> Result<i64> {
    let mut c = store.reader().await?;
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(rev), 0) AS BIGINT) FROM kb_articles")
            .fetch_one(&mut *c)
            .await?,
    )
}

async fn rows_after(store: &Store, rev: i64, limit: i64) -> Result<Vec<IndexRow>> {
    let mut c = store.reader().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, rev, status, question, answer, tags, department_id, valid_until, faq \
         FROM kb_articles WHERE rev > $1 ORDER BY rev LIMIT {limit}"
    )))
    .bind(rev)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(IndexRow {
                id: r.try_get("id")?,
                rev: r.try_get("rev")?,
                published: r.try_get::<String, _>("status")? == super::PUBLISHED,
                question: r.try_get("question")?,
                answer: r.try_get("answer")?,
                tags: r.try_get("tags")?,
                department_id: r.try_get("department_id")?,
                valid_until: r.try_get("valid_until")?,
                faq: crate::flag(r, "faq")?,
            })
        })
        .collect()
}

/// A random name of this database, made once: an index folder remembers which
/// database it was built from.
async fn instance_id(store: &Store) -> Result<String> {
    if let Some(id) = store.setting("instance_id").await? {
        return Ok(id);
    }
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('instance_id', $1) ON CONFLICT (key) DO NOTHING",
    )
    .bind(crate::protect::random_token())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    store
        .setting("instance_id")
        .await?
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("instance_id missing")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_cut_and_lowercased() {
        let w: Vec<String> = words("餐饮油烟扰民 KTV噪音")
            .into_iter()
            .map(|t| t.2)
            .collect();
        assert!(w.contains(&"油烟".to_string()), "{w:?}");
        assert!(w.contains(&"ktv".to_string()), "{w:?}");
        assert!(!w.iter().any(|x| x.trim().is_empty()));
    }

    #[test]
    fn query_words_drop_filler() {
        let w = query_words("请问怎么办理居住证？");
        assert!(w.contains(&"居住证".to_string()), "{w:?}");
        assert!(!w.contains(&"怎么".to_string()));
        assert!(!w.iter().any(|x| x == "？"));
    }

    #[test]
    fn byte_offsets_fit_the_text() {
        let text = "身份证丢了怎么补办？";
        for (a, b, _) in words(text) {
            assert!(text.is_char_boundary(a) && text.is_char_boundary(b) && a < b);
        }
    }

    #[test]
    fn highlight_escapes() {
        assert_eq!(highlight(&[], "<b>&", 10), "&lt;b&gt;&amp;");
        let w = vec!["<b>".to_string()];
        assert_eq!(highlight(&w, "a<b>c", 10), "a<mark>&lt;b&gt;</mark>c");
    }

    #[test]
    fn highlight_marks_words_and_cuts_around_them() {
        let w = query_words("居住证怎么办");
        let text = format!(
            "{}办理居住证需要身份证。{}",
            "前".repeat(100),
            "后".repeat(100)
        );
        let h = highlight(&w, &text, 40);
        assert!(h.starts_with('…') && h.ends_with('…'), "{h}");
        assert!(h.contains("<mark>居住证</mark>"), "{h}");
        assert_eq!(
            h.replace("<mark>", "")
                .replace("</mark>", "")
                .chars()
                .count(),
            42
        );
        // Overlapping words make one mark; Latin letters match in any case.
        let w = vec!["ktv".to_string(), "kt".to_string()];
        assert_eq!(highlight(&w, "KTV噪音", 10), "<mark>KTV</mark>噪音");
    }
}
