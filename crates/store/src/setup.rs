//! The store assembled for running: opened and migrated, with where uploaded files
//! are kept, how text messages are sent, who verifies an applicant's identity, where
//! the knowledge-base index lives, and the national calendar seeded. Every way of
//! running tongban (serve, demo, the CLI, bench and the tests) opens its store here.

use crate::applicants::{IdentityVerifier, SmsSender};
use crate::{Keys, Store, calendar_year, files};
use std::path::PathBuf;

/// How a store is set up beyond its database; `None` keeps the default.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Where uploaded files are kept (`--files`): a folder or `s3+http://…`; by
    /// default beside a SQLite file (`data/objects` otherwise).
    pub files: Option<String>,
    /// How text messages are sent (`--sms`): by default kept in the outbox.
    pub sms: Option<String>,
    /// Who proves an unbound applicant's identity (`--identity-verifier`): by
    /// default nobody (`bound`).
    pub identity: Option<String>,
    /// This node's knowledge-base index folder: by default in memory.
    pub kb_dir: Option<PathBuf>,
}

impl Store {
    /// Opens the database at `url` with `keys` and sets the store up as `setup` says.
    pub async fn assemble(url: &str, keys: Keys, setup: &Setup) -> anyhow::Result<Store> {
        let mut store = Store::open(url, keys).await?;
        if let Some(spec) = setup.files.as_deref().filter(|s| !s.is_empty()) {
            let files = files::FileStore::from_spec(spec)?;
            files
                .ensure_bucket()
                .await
                .map_err(|e| anyhow::anyhow!("文件存储不可用：{e}"))?;
            tracing::info!(files = %files.describe(), "uploaded files are kept here");
            store = store.with_files(files);
        }
        if let Some(spec) = &setup.sms {
            store = store.with_sms(SmsSender::from_spec(spec)?);
        }
        if let Some(spec) = &setup.identity {
            store = store.with_identity(IdentityVerifier::from_spec(spec)?);
        }
        if let Some(dir) = &setup.kb_dir {
            store = store.with_kb_dir(dir)?;
        }
        calendar_year::seed_if_empty(&store).await?;
        Ok(store)
    }
}
