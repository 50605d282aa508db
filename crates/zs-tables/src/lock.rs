//! The writer lock of a table folder.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, TablesError};

const LOCK_FILE: &str = "_lock";

/// The writer lock: a file created with `O_EXCL` holding the writer's process id.
pub(crate) struct WriterLock {
    path: PathBuf,
}

impl WriterLock {
    pub(crate) fn acquire(dir: &Path) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        for attempt in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(std::process::id().to_string().as_bytes()).map_err(|e| TablesError::io(&path, e))?;
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt == 0 => {
                    // A lock left by a process that no longer runs (a crash) is stale.
                    if !lock_holder_alive(&path) {
                        tracing::warn!(path = %path.display(), "removing stale table lock");
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    return Err(TablesError::Locked(dir.to_path_buf()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(TablesError::Locked(dir.to_path_buf()))
                }
                Err(e) => return Err(TablesError::io(&path, e)),
            }
        }
        Err(TablesError::Locked(dir.to_path_buf()))
    }
}

/// Whether the process named in a lock file still runs (Linux `/proc`; elsewhere assumed alive).
fn lock_holder_alive(path: &Path) -> bool {
    let Ok(text) = fs::read_to_string(path) else { return true };
    let Ok(pid) = text.trim().parse::<u32>() else { return true };
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove table lock");
        }
    }
}
