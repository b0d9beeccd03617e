//! Uploaded materials (申请材料): files are checked (type by content, size), kept in
//! an object store — a local folder by default — and recorded in `uploads` with an SM3
//! digest. A file belongs to a draft application until the application is submitted,
//! then to its case.

use crate::{Result, Store, StoreError, protect, time};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::path::PathBuf;

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most files one application may carry.
pub const MAX_FILES: i64 = 30;

/// Where file contents live: a local folder (the default), or an S3-compatible object
/// store, which several nodes serving one PostgreSQL can share.
#[derive(Debug, Clone)]
pub enum FileStore {
    Local { root: PathBuf },
    S3(Box<S3Store>),
}

#[derive(Debug, Clone)]
pub struct S3Store {
    bucket: rusty_s3::Bucket,
    credentials: rusty_s3::Credentials,
    client: reqwest::Client,
}

/// How long a signed S3 request stays valid.
const SIGNED_FOR: std::time::Duration = std::time::Duration::from_secs(300);

impl FileStore {
    pub fn local(root: impl Into<PathBuf>) -> Self {
        Self::Local { root: root.into() }
    }

    /// Parses a storage setting: a folder path, or
    /// `s3+http://ACCESS_KEY:SECRET@host:port/bucket?region=…` for an S3-compatible
    /// store on the intranet (path-style addressing; region default `us-east-1`).
    pub fn from_spec(spec: &str) -> anyhow::Result<Self> {
        let Some(rest) = spec.strip_prefix("s3+http://") else {
            anyhow::ensure!(
                !spec.contains("://"),
                "文件存储应为本地目录或 s3+http://密钥ID:密钥@主机:端口/存储桶"
            );
            return Ok(Self::local(spec));
        };
        let url = url::Url::parse(&format!("http://{rest}"))
            .map_err(|e| anyhow::anyhow!("文件存储地址无效：{e}"))?;
        let key = url.username().to_string();
        let secret = url.password().unwrap_or("").to_string();
        anyhow::ensure!(
            !key.is_empty() && !secret.is_empty(),
            "S3 文件存储须在地址中给出密钥ID和密钥"
        );
        let bucket_name = url.path().trim_matches('/').to_string();
        anyhow::ensure!(
            !bucket_name.is_empty() && !bucket_name.contains('/'),
            "S3 文件存储须给出一个存储桶名"
        );
        let region = url
            .query_pairs()
            .find(|(k, _)| k == "region")
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        let mut endpoint = url.clone();
        endpoint.set_path("");
        endpoint.set_query(None);
        endpoint
            .set_username("")
            .map_err(|_| anyhow::anyhow!("文件存储地址无效"))?;
        endpoint
            .set_password(None)
            .map_err(|_| anyhow::anyhow!("文件存储地址无效"))?;
        let bucket = rusty_s3::Bucket::new(endpoint, rusty_s3::UrlStyle::Path, bucket_name, region)
            .map_err(|e| anyhow::anyhow!("文件存储地址无效：{e}"))?;
        Ok(Self::S3(Box::new(S3Store {
            bucket,
            credentials: rusty_s3::Credentials::new(key, secret),
            client: reqwest::Client::new(),
        })))
    }

    /// Where the files go, for messages (no secrets).
    pub fn describe(&self) -> String {
        match self {
            Self::Local { root } => root.display().to_string(),
            Self::S3(s) => format!("S3 {} / {}", s.bucket.base_url(), s.bucket.name()),
        }
    }

    /// Creates the S3 bucket if it does not exist yet (no-op for a folder).
    pub async fn ensure_bucket(&self) -> Result<()> {
        let Self::S3(s) = self else { return Ok(()) };
        use rusty_s3::S3Action;
        let head = s.bucket.head_bucket(Some(&s.credentials)).sign(SIGNED_FOR);
        let r = s
            .client
            .head(head)
            .send()
            .await
            .map_err(|e| StoreError::Other(e.into()))?;
        if r.status().is_success() {
            return Ok(());
        }
        let create = s.bucket.create_bucket(&s.credentials).sign(SIGNED_FOR);
        let r = s
            .client
            .put(create)
            .header(reqwest::header::CONTENT_LENGTH, "0")
            .body(Vec::<u8>::new())
            .send()
            .await
            .map_err(|e| StoreError::Other(e.into()))?;
        if !r.status().is_success() {
            return Err(StoreError::Other(anyhow::anyhow!(
                "无法创建存储桶：HTTP {}",
                r.status()
            )));
        }
        Ok(())
    }

    /// Writes the bytes under a new random key; returns the key.
    pub async fn put(&self, bytes: &[u8]) -> Result<String> {
        let key = format!(
            "{}/{}",
            time::local_day(time::now()).format("%Y/%m"),
            protect::random_token()
        );
        match self {
            Self::Local { root } => {
                let path = root.join(&key);
                if let Some(dir) = path.parent() {
                    tokio::fs::create_dir_all(dir)
                        .await
                        .map_err(|e| StoreError::Other(e.into()))?;
                }
                tokio::fs::write(&path, bytes)
                    .await
                    .map_err(|e| StoreError::Other(e.into()))?;
            }
            Self::S3(s) => {
                use rusty_s3::S3Action;
                let url = s
                    .bucket
                    .put_object(Some(&s.credentials), &key)
                    .sign(SIGNED_FOR);
                let r = s
                    .client
                    .put(url)
                    .body(bytes.to_vec())
                    .send()
                    .await
                    .map_err(|e| StoreError::Other(e.into()))?;
                if !r.status().is_success() {
                    return Err(StoreError::Other(anyhow::anyhow!(
                        "文件存储写入失败：HTTP {}",
                        r.status()
                    )));
                }
            }
        }
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>> {
        if key.contains("..") || key.starts_with('/') {
            return Err(StoreError::not_found("文件不存在"));
        }
        match self {
            Self::Local { root } => tokio::fs::read(root.join(key))
                .await
                .map_err(|_| StoreError::not_found("文件不存在")),
            Self::S3(s) => {
                use rusty_s3::S3Action;
                let url = s
                    .bucket
                    .get_object(Some(&s.credentials), key)
                    .sign(SIGNED_FOR);
                let r = s
                    .client
                    .get(url)
                    .send()
                    .await
                    .map_err(|e| StoreError::Other(e.into()))?;
                if r.status() == reqwest::StatusCode::NOT_FOUND {
                    return Err(StoreError::not_found("文件不存在"));
                }
                if !r.status().is_success() {
                    return Err(StoreError::Other(anyhow::anyhow!(
                        "文件存储读取失败：HTTP {}",
                        r.status()
                    )));
                }
                Ok(r.bytes()
                    .await
                    .map_err(|e| StoreError::Other(e.into()))?
                    .to_vec())
            }
        }
    }
}

/// The kinds of file accepted, recognised by their first bytes (not by their name).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"OFD")
        || bytes.starts_with(b"PK\x03\x04") && bytes.windows(7).take(200).any(|w| w == b"OFD.xml")
    {
        Some(("application/ofd", "ofd"))
    } else {
        None
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Upload {
    pub id: i64,
    pub material: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub created_at: String,
    #[serde(skip)]
    pub storage_key: String,
}

fn upload_from(r: &sqlx::any::AnyRow) -> Result<Upload> {
    Ok(Upload {
        id: r.try_get("id")?,
        material: r.try_get("material")?,
        filename: r.try_get("filename")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        digest: r.try_get("digest")?,
        created_at: time::display(&r.try_get::<String, _>("created_at")?),
        storage_key: r.try_get("storage_key")?,
    })
}

/// A material's file checked: not empty, not too large, a PDF, JPG, PNG or OFD by its
/// first bytes; its content type.
pub fn check_file(material: &str, bytes: &[u8]) -> Result<&'static str> {
    if bytes.is_empty() {
        return Err(StoreError::invalid(
            "file",
            format!("“{material}”的文件是空的"),
        ));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(StoreError::invalid(
            "file",
            format!("“{material}”的文件超过{}MB", MAX_FILE_BYTES / 1024 / 1024),
        ));
    }
    let (content_type, _) = sniff(bytes).ok_or_else(|| {
        StoreError::invalid(
            "file",
            format!("“{material}”的文件应为 PDF、JPG、PNG 或 OFD 格式"),
        )
    })?;
    Ok(content_type)
}

/// A file name as kept: no control characters or path separators, at most 100
/// characters.
pub fn clean_filename(filename: &str) -> String {
    filename
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(100)
        .collect()
}

/// A file kept once in the file store, to be recorded on every case that needs it.
#[derive(Debug, Clone)]
pub struct Kept {
    pub material: String,
    pub filename: String,
    pub content_type: &'static str,
    pub size: i64,
    pub storage_key: String,
    pub digest: String,
}

/// Checks a material's file and keeps it in the file store (once, however many cases
/// will see it).
pub async fn keep(files: &FileStore, material: &str, filename: &str, bytes: &[u8]) -> Result<Kept> {
    let content_type = check_file(material, bytes)?;
    Ok(Kept {
        material: material.to_string(),
        filename: clean_filename(filename),
        content_type,
        size: bytes.len() as i64,
        storage_key: files.put(bytes).await?,
        digest: protect::sm3_hex(bytes),
    })
}

/// Records a kept file on a case (inside the transaction that writes the case): the
/// same stored object for every case that needs the material.
pub async fn record_on_case(
    conn: &mut AnyConnection,
    draft: &str,
    case_id: i64,
    k: &Kept,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO uploads (draft, owner_digest, case_id, material, filename, content_type, size, storage_key, digest, created_at) \
         VALUES ($1, 'window', $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(draft)
    .bind(case_id)
    .bind(&k.material)
    .bind(if k.filename.is_empty() { "未命名" } else { k.filename.as_str() })
    .bind(k.content_type)
    .bind(k.size)
    .bind(&k.storage_key)
    .bind(&k.digest)
    .bind(time::stamp(time::now()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Checks and keeps one file for a draft application.
pub async fn save(
    store: &Store,
    files: &FileStore,
    draft: &str,
    owner_digest: &str,
    material: &str,
    filename: &str,
    bytes: &[u8],
) -> Result<Upload> {
    let content_type = check_file(material, bytes)?;
    let filename = clean_filename(filename);
    let mut conn = store.reader().await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM uploads WHERE draft = $1")
        .bind(draft)
        .fetch_one(&mut *conn)
        .await?;
    drop(conn);
    if n >= MAX_FILES {
        return Err(StoreError::invalid(
            "file",
            format!("一件申请最多上传{MAX_FILES}个文件"),
        ));
    }
    let key = files.put(bytes).await?;
    let digest = protect::sm3_hex(bytes);
    let now = time::stamp(time::now());
    let mut tx = store.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO uploads (draft, owner_digest, case_id, material, filename, content_type, size, storage_key, digest, created_at) \
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(draft)
    .bind(owner_digest)
    .bind(material)
    .bind(if filename.is_empty() { "未命名" } else { filename.as_str() })
    .bind(content_type)
    .bind(bytes.len() as i64)
    .bind(&key)
    .bind(&digest)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Upload {
        id,
        material: material.to_string(),
        filename,
        content_type: content_type.to_string(),
        size: bytes.len() as i64,
        digest,
        created_at: time::display(&now),
        storage_key: key,
    })
}

/// The files of a draft, if it belongs to `owner_digest`.
pub async fn draft_files(store: &Store, draft: &str, owner_digest: &str) -> Result<Vec<Upload>> {
    let mut conn = store.reader().await?;
    let rows = sqlx::query(
        "SELECT id, material, filename, content_type, size, digest, created_at, storage_key FROM uploads \
         WHERE draft = $1 AND owner_digest = $2 AND case_id IS NULL ORDER BY id",
    )
    .bind(draft)
    .bind(owner_digest)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(upload_from).collect()
}

/// Removes a file from a draft.
pub async fn remove(store: &Store, draft: &str, owner_digest: &str, id: i64) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM uploads WHERE id = $1 AND draft = $2 AND owner_digest = $3 AND case_id IS NULL")
        .bind(id)
        .bind(draft)
        .bind(owner_digest)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Attaches a draft's files of the case's `materials` to the case created from it
/// (inside its transaction): a file not yet on a case moves to it; one a case of the
/// same application took first (a bundle's material asked once for several items)
/// is recorded on this case too, the same stored object.
pub async fn attach(
    conn: &mut AnyConnection,
    draft: &str,
    owner_digest: &str,
    case_id: i64,
    materials: &[String],
) -> Result<u64> {
    if materials.is_empty() {
        return Ok(0);
    }
    let marks: Vec<String> = (4..4 + materials.len()).map(|i| format!("${i}")).collect();
    let copy = format!(
        "INSERT INTO uploads (draft, owner_digest, case_id, material, filename, content_type, size, storage_key, digest, created_at) \
         SELECT u.draft, u.owner_digest, $1, u.material, u.filename, u.content_type, u.size, u.storage_key, u.digest, u.created_at \
         FROM uploads u WHERE u.draft = $2 AND u.owner_digest = $3 AND u.material IN ({}) AND u.case_id IS NOT NULL \
         AND u.case_id <> $1 AND u.case_id = (SELECT MIN(x.case_id) FROM uploads x WHERE x.draft = u.draft \
         AND x.owner_digest = u.owner_digest AND x.material = u.material)",
        marks.join(", ")
    );
    let take = format!(
        "UPDATE uploads SET case_id = $1 WHERE draft = $2 AND owner_digest = $3 AND case_id IS NULL AND material IN ({})",
        marks.join(", ")
    );
    let mut n = 0;
    for sql in [copy, take] {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(case_id)
            .bind(draft)
            .bind(owner_digest);
        for m in materials {
            q = q.bind(m);
        }
        n += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

/// The files of a case (for staff who may see the case, checked by the caller).
pub async fn case_files(store: &Store, case_id: i64) -> Result<Vec<Upload>> {
    let mut conn = store.reader().await?;
    let rows = sqlx::query(
        "SELECT id, material, filename, content_type, size, digest, created_at, storage_key FROM uploads WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(upload_from).collect()
}

/// One file of a case.
pub async fn case_file(store: &Store, case_id: i64, id: i64) -> Result<Upload> {
    let mut conn = store.reader().await?;
    let row = sqlx::query(
        "SELECT id, material, filename, content_type, size, digest, created_at, storage_key FROM uploads WHERE case_id = $1 AND id = $2",
    )
    .bind(case_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("文件不存在"))?;
    upload_from(&row)
}

/// Most photos a 12345 web request may carry.
pub const MAX_PHOTOS: usize = 3;

/// A photo checked and kept in the file store, waiting to be recorded with its order.
#[derive(Debug, Clone)]
pub struct Photo {
    pub filename: String,
    pub content_type: &'static str,
    pub size: i64,
    pub storage_key: String,
    pub digest: String,
}

/// Checks photos as the applicants' uploads are checked (recognised by their first
/// bytes, JPG or PNG only, at most `MAX_FILE_BYTES` each and `MAX_PHOTOS` in all):
/// every fault at once, each naming the file, before anything is kept.
pub fn check_photos(photos: &[(String, Vec<u8>)]) -> std::result::Result<(), Vec<String>> {
    let mut faults = vec![];
    if photos.len() > MAX_PHOTOS {
        faults.push(format!("最多上传{MAX_PHOTOS}张照片"));
    }
    for (name, bytes) in photos {
        let name = if name.trim().is_empty() {
            "照片"
        } else {
            name.as_str()
        };
        if bytes.len() > MAX_FILE_BYTES {
            faults.push(format!(
                "照片“{name}”超过{}MB",
                MAX_FILE_BYTES / 1024 / 1024
            ));
        } else if !matches!(sniff(bytes), Some(("image/jpeg" | "image/png", _))) {
            faults.push(format!("照片“{name}”应为 JPG 或 PNG 格式的图片"));
        }
    }
    if faults.is_empty() {
        Ok(())
    } else {
        Err(faults)
    }
}

/// Keeps checked photos in the file store (content-addressed: a photo kept and then
/// not recorded is harmless and is found again when sent again).
pub async fn keep_photos(files: &FileStore, photos: &[(String, Vec<u8>)]) -> Result<Vec<Photo>> {
    let mut out = vec![];
    for (name, bytes) in photos {
        let (content_type, _) = sniff(bytes)
            .ok_or_else(|| StoreError::invalid("photos", "照片应为 JPG 或 PNG 格式的图片"))?;
        let filename: String = name
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
            .take(100)
            .collect();
        out.push(Photo {
            filename: if filename.is_empty() {
                "照片".into()
            } else {
                filename
            },
            content_type,
            size: bytes.len() as i64,
            storage_key: files.put(bytes).await?,
            digest: protect::sm3_hex(bytes),
        });
    }
    Ok(out)
}

/// Records an order's photos, in the order's transaction.
pub async fn record_photos(
    conn: &mut AnyConnection,
    order_id: i64,
    photos: &[Photo],
) -> Result<()> {
    let now = time::stamp(time::now());
    for p in photos {
        sqlx::query(
            "INSERT INTO order_photos (order_id, filename, content_type, size, storage_key, digest, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(order_id)
        .bind(&p.filename)
        .bind(p.content_type)
        .bind(p.size)
        .bind(&p.storage_key)
        .bind(&p.digest)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A photo of an order, as staff see it listed.
#[derive(Debug, Clone, Serialize)]
pub struct OrderPhoto {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    #[serde(skip)]
    pub storage_key: String,
}

/// The photos of an order (for staff who may see the order, checked by the caller).
pub async fn order_photos(conn: &mut AnyConnection, order_id: i64) -> Result<Vec<OrderPhoto>> {
    let rows = sqlx::query(
        "SELECT id, filename, content_type, size, storage_key FROM order_photos WHERE order_id = $1 ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OrderPhoto {
                id: r.try_get(0)?,
                filename: r.try_get(1)?,
                content_type: r.try_get(2)?,
                size: r.try_get(3)?,
                storage_key: r.try_get(4)?,
            })
        })
        .collect()
}
