//! Encryption at rest (静态加密): envelope encryption with SM4-GCM (the default, national
//! cryptography) or AES-256-GCM.
//!
//! - [`cipher`]: the two authenticated ciphers and the key derivation of each profile.
//! - [`master`]: master keys and [`KeyProvider`], the interface an HSM or KMS implements;
//!   [`LocalMasterKeys`] reads them from a file or an environment variable.
//! - [`keyring`]: data keys in memory, one current per scope (a resource's table, or `meta` for
//!   sealed metadata columns), older ones kept for reading; sealed short values (`zsenc1:…`).
//! - [`stream`]: the segmented file format (ZSEF v1) for resource data files, readable by range.
//! - `sm4_block`: the SM4 block cipher, eight blocks at once with AES-NI where the CPU has it.
//!
//! This crate does no I/O beyond the master key file, and never logs, prints or formats key
//! bytes (every `Debug` shows ids only). It must not know where keys are stored: the metadata
//! store keeps the wrapped data keys, and its callers load them into a [`Keyring`].
//! The formats are described in `docs/encryption.md`.

pub mod cipher;
mod error;
pub mod keyring;
pub mod master;
mod sm4_block;
pub mod stream;

pub use cipher::Algorithm;
pub use error::{CryptoError, Result};
pub use keyring::{is_sealed, DataKey, KeyState, Keyring, WrappedKey, META_SCOPE, SEALED_PREFIX};
pub use master::{master_key_id, KeyProvider, LocalMasterKeys};
pub use stream::{is_encrypted, EncryptingWriter, FileCipher, PlainReader, PlainStream, StoredBytes};
