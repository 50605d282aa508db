//! How SQL engines reach a version's data files: plain local paths, or URLs of an object store
//! to register (the table's bucket, or the read-only [`DecryptingStore`] over it when the table
//! is encrypted).

use std::sync::Arc;

use object_store::ObjectStore;

use crate::crypt::DecryptingStore;
use crate::error::{Result, TablesError};
use crate::table::{Backend, Table};

/// The data files of a version as an SQL engine reads them.
pub struct SqlFiles {
    /// A store to register under its URL first (none: the files are plain local paths).
    pub store: Option<(url::Url, Arc<dyn ObjectStore>)>,
    /// The files: local paths or URLs under the store's URL.
    pub files: Vec<String>,
}

impl std::fmt::Debug for SqlFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlFiles").field("files", &self.files).finish_non_exhaustive()
    }
}

impl Table {
    /// Where an SQL engine finds the data files `rels` (paths from a manifest) of this table.
    pub fn sql_files(&self, rels: &[String]) -> Result<SqlFiles> {
        let bad_url = |e: url::ParseError| TablesError::Config(format!("store URL: {e}"));
        match (&*self.backend, &self.enc) {
            (Backend::Local(_), None) => {
                let dir =
                    self.local_dir().ok_or_else(|| TablesError::Internal("local table without a folder".into()))?;
                Ok(SqlFiles {
                    store: None,
                    files: rels.iter().map(|r| dir.join(r).to_string_lossy().into_owned()).collect(),
                })
            }
            (Backend::Object(_), None) => {
                let mut store = None;
                let mut files = Vec::with_capacity(rels.len());
                for rel in rels {
                    let obj = self.object_file(rel).ok_or_else(|| TablesError::Internal("object table".into()))?;
                    files.push(obj.url());
                    store = Some((url::Url::parse(&obj.store_url).map_err(bad_url)?, obj.store));
                }
                Ok(SqlFiles { store, files })
            }
            (backend, Some(enc)) => {
                // One URL per table (the scope in hex is a valid host), so tables never share a
                // registration, whatever their keyring.
                let base = format!("zsenc://t{}", hex::encode(enc.scope.as_bytes()));
                let (inner, keys): (Arc<dyn ObjectStore>, Vec<String>) = match backend {
                    Backend::Local(_) => {
                        let dir = self.local_dir().ok_or_else(|| TablesError::Internal("local table".into()))?;
                        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
                            .map_err(|e| TablesError::Config(format!("{}: {e}", dir.display())))?;
                        (Arc::new(fs), rels.to_vec())
                    }
                    Backend::Object(t) => {
                        let mut keys = Vec::with_capacity(rels.len());
                        let mut inner = None;
                        for rel in rels {
                            let (store, _, key) = t.object(rel);
                            keys.push(key.to_string());
                            inner = Some(store);
                        }
                        match inner {
                            Some(s) => (s, keys),
                            None => return Ok(SqlFiles { store: None, files: Vec::new() }),
                        }
                    }
                };
                let store: Arc<dyn ObjectStore> = Arc::new(DecryptingStore::new(inner, Arc::clone(&enc.keyring)));
                let files = keys.iter().map(|k| format!("{base}/{k}")).collect();
                Ok(SqlFiles { store: Some((url::Url::parse(&base).map_err(bad_url)?, store)), files })
            }
        }
    }
}
