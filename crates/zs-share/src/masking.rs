//! Masking (脱敏) of values leaving through a grant, by the shared `zs-masking` crate: the
//! technique per item is stored in the grant as JSON and applied on the server before any byte
//! leaves; keyed hashes use the platform secret held by the [`Masker`].

use zs_catalog::DataItem;
pub use zs_masking::{Masker, Technique};

/// The default technique for an item (from its security level and what it holds).
pub fn default_for(item: &DataItem) -> Technique {
    zs_masking::suggest(item)
}

/// Apply a technique to one value shown as text. `None` stays `None`.
pub fn mask(m: &Masker, t: &Technique, value: Option<&str>) -> Option<String> {
    value.and_then(|v| m.mask_str(t, v))
}

/// The platform secret for keyed hashing: kept in `<data dir>/keys/masking.key`, created (32
/// random bytes, hex) on first use. Keep the file with the data: changing it changes every hash.
pub fn load_or_create_secret(data_dir: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let dir = data_dir.join("keys");
    let path = dir.join("masking.key");
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().as_bytes().to_vec()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(&dir)?;
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    let key = hex::encode(bytes);
    // Readable by the service account only, durable before it is used: a key lost after a crash
    // would change every keyed hash already handed out.
    let tmp = dir.join("masking.key.tmp");
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    let mut file = file.open(&tmp)?;
    std::io::Write::write_all(&mut file, key.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(key.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_created_once() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let dir = tempfile::tempdir().unwrap();
            load_or_create_secret(dir.path()).unwrap();
            let mode = std::fs::metadata(dir.path().join("keys/masking.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the masking key is private");
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = load_or_create_secret(dir.path()).unwrap_or_default();
        let b = load_or_create_secret(dir.path()).unwrap_or_default();
        assert_eq!(a.len(), 64);
        assert_eq!(a, b);
        let m = Masker::new(&a);
        let t = Technique::KeepEnds { first: 6, last: 4 };
        assert_eq!(mask(&m, &t, Some("630102199001011234")).as_deref(), Some("630102********1234"));
        assert_eq!(mask(&m, &Technique::Name, Some("欧阳修文")).as_deref(), Some("欧阳**"));
        assert_eq!(mask(&m, &t, None), None);
    }
}
