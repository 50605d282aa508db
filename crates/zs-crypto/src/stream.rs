//! The encrypted file format (ZSEF v1): a segmented streaming AEAD, so a file is written in one
//! pass with bounded memory and any byte range (a Parquet footer, one row group) is read by
//! decrypting only the segments that cover it.
//!
//! ```text
//! header (48 bytes, also the associated data of every segment):
//!   "ZSEF" | version 1 | cipher (1 SM4-GCM, 2 AES-256-GCM) | log2(segment size) | 0
//!   | data key id (16) | salt (16) | nonce prefix (7) | 0
//! segments: segment i = GCM(file key, nonce = prefix ‖ i (u32 BE) ‖ last (1 or 0),
//!                           aad = header, plaintext bytes [i·S, (i+1)·S)) ‖ tag (16)
//! file key = HKDF(data key, salt, "zhengshu/file/v1")   (HMAC-SM3 for SM4, HMAC-SHA256 for AES)
//! ```
//! Every segment but the last holds exactly S plaintext bytes (S = 64 KiB as written); the last
//! holds 0..=S and is sealed with the last flag, so truncating a file at a segment boundary,
//! dropping, reordering or swapping segments (also between files: each file has its own key)
//! and changing the header all fail authentication. The plaintext length follows from the
//! stored length alone. A fresh salt per file means nonces never repeat under one file key.

use std::io::Write;

use zeroize::Zeroizing;

use crate::cipher::{random, Algorithm, NONCE_LEN, TAG_LEN};
use crate::error::{CryptoError, Result};
use crate::keyring::{DataKey, Keyring, KEY_ID_LEN};

/// The first bytes of an encrypted file.
pub const MAGIC: &[u8; 4] = b"ZSEF";
/// Bytes of the header.
pub const HEADER_LEN: usize = 48;
/// log2 of the plaintext bytes per segment as written (64 KiB).
pub const SEGMENT_LOG2: u8 = 16;
const FILE_LABEL: &[u8] = b"zhengshu/file/v1";

/// Whether bytes starting a file mark it as encrypted in this format.
pub fn is_encrypted(first_bytes: &[u8]) -> bool {
    first_bytes.starts_with(MAGIC)
}

/// The key material of one encrypted file (from its header).
pub struct FileCipher {
    header: [u8; HEADER_LEN],
    algorithm: Algorithm,
    file_key: Zeroizing<Vec<u8>>,
    prefix: [u8; 7],
    segment: u64,
}

impl std::fmt::Debug for FileCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileCipher").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl FileCipher {
    /// Material for a new file under `key` (fresh salt and nonce prefix).
    pub fn new_file(key: &DataKey) -> Self {
        let salt = random::<16>();
        let prefix = random::<7>();
        let mut header = [0u8; HEADER_LEN];
        header[..4].copy_from_slice(MAGIC);
        header[4] = 1;
        header[5] = key.algorithm().id();
        header[6] = SEGMENT_LOG2;
        header[8..24].copy_from_slice(key.id());
        header[24..40].copy_from_slice(&salt);
        header[40..47].copy_from_slice(&prefix);
        let file_key = key.algorithm().derive(key.secret(), FILE_LABEL, &salt);
        Self { header, algorithm: key.algorithm(), file_key, prefix, segment: 1 << SEGMENT_LOG2 }
    }

    /// The data key id a header names (to look the key up, or to list which keys files use).
    pub fn key_id_of(header: &[u8]) -> Result<[u8; KEY_ID_LEN]> {
        if header.len() < HEADER_LEN || !is_encrypted(header) {
            return Err(CryptoError::Format("not an encrypted file".into()));
        }
        header[8..24].try_into().map_err(|_| CryptoError::Format("key id".into()))
    }

    /// Material of an existing file from its header, with its key from `keyring`.
    pub fn open(header: &[u8], keyring: &Keyring) -> Result<Self> {
        let id = Self::key_id_of(header)?;
        if header[4] != 1 {
            return Err(CryptoError::Format(format!("unknown encrypted file version {}", header[4])));
        }
        let algorithm = Algorithm::from_id(header[5])?;
        let log2 = header[6];
        if !(10..=24).contains(&log2) {
            return Err(CryptoError::Format(format!("segment size 2^{log2} out of range")));
        }
        let key = keyring.get(&id)?;
        if key.algorithm() != algorithm {
            return Err(CryptoError::Tampered);
        }
        let mut fixed = [0u8; HEADER_LEN];
        fixed.copy_from_slice(&header[..HEADER_LEN]);
        let mut prefix = [0u8; 7];
        prefix.copy_from_slice(&header[40..47]);
        let file_key = algorithm.derive(key.secret(), FILE_LABEL, &header[24..40]);
        Ok(Self { header: fixed, algorithm, file_key, prefix, segment: 1u64 << log2 })
    }

    /// The header bytes.
    pub fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }

    /// Plaintext bytes per segment.
    pub fn segment_len(&self) -> u64 {
        self.segment
    }

    fn nonce(&self, index: u64, last: bool) -> Result<[u8; NONCE_LEN]> {
        let index = u32::try_from(index).map_err(|_| CryptoError::Format("file too large".into()))?;
        let mut n = [0u8; NONCE_LEN];
        n[..7].copy_from_slice(&self.prefix);
        n[7..11].copy_from_slice(&index.to_be_bytes());
        n[11] = u8::from(last);
        Ok(n)
    }

    /// Seal segment `index`.
    pub fn seal_segment(&self, index: u64, last: bool, plain: &[u8]) -> Result<Vec<u8>> {
        self.algorithm.seal(&self.file_key, &self.nonce(index, last)?, &self.header, plain)
    }

    /// Open segment `index`.
    pub fn open_segment(&self, index: u64, last: bool, sealed: &[u8]) -> Result<Vec<u8>> {
        self.algorithm.open(&self.file_key, &self.nonce(index, last)?, &self.header, sealed)
    }

    /// (segments, plaintext length) of a file of `stored_len` bytes.
    pub fn layout(&self, stored_len: u64) -> Result<(u64, u64)> {
        let body = stored_len.checked_sub(HEADER_LEN as u64).ok_or(CryptoError::Tampered)?;
        let seg_ct = self.segment + TAG_LEN as u64;
        let n = body.div_ceil(seg_ct).max(1);
        let last_ct = body.checked_sub((n - 1) * seg_ct).ok_or(CryptoError::Tampered)?;
        if last_ct < TAG_LEN as u64 {
            return Err(CryptoError::Tampered);
        }
        Ok((n, (n - 1) * self.segment + last_ct - TAG_LEN as u64))
    }

    /// The stored bytes `[s, e)` holding plaintext `start..end` (whole segments) of a file of
    /// `stored_len` bytes.
    pub fn stored_range(&self, start: u64, end: u64, stored_len: u64) -> Result<(u64, u64)> {
        let (_, plain) = self.layout(stored_len)?;
        let end = end.min(plain);
        if start >= end {
            return Ok((HEADER_LEN as u64, HEADER_LEN as u64));
        }
        let seg_ct = self.segment + TAG_LEN as u64;
        let (first, last) = (start / self.segment, (end - 1) / self.segment);
        Ok((HEADER_LEN as u64 + first * seg_ct, (HEADER_LEN as u64 + (last + 1) * seg_ct).min(stored_len)))
    }

    /// Decrypt the stored bytes [`FileCipher::stored_range`] gave for `start..end` and return
    /// exactly that plaintext.
    pub fn decrypt_range(&self, stored: &[u8], start: u64, end: u64, stored_len: u64) -> Result<Vec<u8>> {
        let (segments, plain) = self.layout(stored_len)?;
        let end = end.min(plain);
        if start >= end {
            return Ok(Vec::new());
        }
        let seg_ct = usize::try_from(self.segment + TAG_LEN as u64).unwrap_or(usize::MAX);
        let first = start / self.segment;
        let mut out = Vec::with_capacity(usize::try_from(end - start).unwrap_or(0));
        for (n, chunk) in stored.chunks(seg_ct).enumerate() {
            let i = first + n as u64;
            let plain = self.open_segment(i, i + 1 == segments, chunk)?;
            let seg_start = i * self.segment;
            let from = usize::try_from(start.saturating_sub(seg_start)).unwrap_or(0);
            let to = usize::try_from((end - seg_start).min(plain.len() as u64)).unwrap_or(0);
            out.extend_from_slice(plain.get(from..to).ok_or(CryptoError::Tampered)?);
        }
        if out.len() as u64 != end - start {
            return Err(CryptoError::Tampered);
        }
        Ok(out)
    }
}

/// Plaintext length of an encrypted file from its stored length (no key needed).
pub fn plain_len(header: &[u8], stored_len: u64) -> Result<u64> {
    if header.len() < HEADER_LEN || !is_encrypted(header) {
        return Err(CryptoError::Format("not an encrypted file".into()));
    }
    let seg = 1u64 << header[6].min(24);
    let body = stored_len.checked_sub(HEADER_LEN as u64).ok_or(CryptoError::Tampered)?;
    let seg_ct = seg + TAG_LEN as u64;
    let n = body.div_ceil(seg_ct).max(1);
    let last_ct = body.checked_sub((n - 1) * seg_ct).ok_or(CryptoError::Tampered)?;
    if last_ct < TAG_LEN as u64 {
        return Err(CryptoError::Tampered);
    }
    Ok((n - 1) * seg + last_ct - TAG_LEN as u64)
}

/// Writes a file in this format: the header first, then each segment once it is full and
/// more bytes follow; [`EncryptingWriter::finish`] seals the last one. Memory: one segment.
pub struct EncryptingWriter<W: Write> {
    inner: W,
    cipher: FileCipher,
    buf: Vec<u8>,
    index: u64,
    started: bool,
    stored: u64,
}

impl<W: Write> std::fmt::Debug for EncryptingWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptingWriter").field("index", &self.index).finish_non_exhaustive()
    }
}

impl<W: Write> EncryptingWriter<W> {
    /// Encrypt what is written into `inner` under `key`.
    pub fn new(inner: W, key: &DataKey) -> Self {
        let cipher = FileCipher::new_file(key);
        let seg = usize::try_from(cipher.segment).unwrap_or(1 << 16);
        Self { inner, cipher, buf: Vec::with_capacity(seg), index: 0, started: false, stored: 0 }
    }

    fn start(&mut self) -> std::io::Result<()> {
        if !self.started {
            self.inner.write_all(self.cipher.header())?;
            self.stored += HEADER_LEN as u64;
            self.started = true;
        }
        Ok(())
    }

    fn emit(&mut self, last: bool) -> std::io::Result<()> {
        self.start()?;
        let seg = usize::try_from(self.cipher.segment).unwrap_or(usize::MAX).min(self.buf.len());
        let sealed = self.cipher.seal_segment(self.index, last, &self.buf[..seg])?;
        self.inner.write_all(&sealed)?;
        self.stored += sealed.len() as u64;
        self.buf.drain(..seg);
        self.index += 1;
        Ok(())
    }

    /// Seal the last segment and hand back the inner writer and the bytes stored.
    pub fn finish(mut self) -> std::io::Result<(W, u64)> {
        self.emit(true)?;
        self.inner.flush()?;
        Ok((self.inner, self.stored))
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably (to drain a buffer the sealed bytes go into).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: Write> Write for EncryptingWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let seg = usize::try_from(self.cipher.segment).unwrap_or(usize::MAX);
        self.buf.extend_from_slice(data);
        // A full segment is sealed only once a byte follows it: the last one needs its flag.
        while self.buf.len() > seg {
            self.emit(false)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Stored bytes of an encrypted file, read by range (a local file, an object, a buffer).
pub trait StoredBytes {
    /// Bytes `start..end` of the stored file.
    fn read_at(&self, start: u64, end: u64) -> Result<Vec<u8>>;
}

impl<T: StoredBytes + ?Sized> StoredBytes for &T {
    fn read_at(&self, start: u64, end: u64) -> Result<Vec<u8>> {
        (**self).read_at(start, end)
    }
}

impl StoredBytes for [u8] {
    fn read_at(&self, start: u64, end: u64) -> Result<Vec<u8>> {
        let (s, e) = (usize::try_from(start).unwrap_or(usize::MAX), usize::try_from(end).unwrap_or(usize::MAX));
        self.get(s..e).map(<[u8]>::to_vec).ok_or(CryptoError::Tampered)
    }
}

impl StoredBytes for std::fs::File {
    fn read_at(&self, start: u64, end: u64) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let mut buf = vec![0u8; usize::try_from(end - start).map_err(|_| CryptoError::Format("range".into()))?];
        self.read_exact_at(&mut buf, start).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => CryptoError::Tampered,
            _ => CryptoError::Io(e.to_string()),
        })?;
        Ok(buf)
    }
}

/// Plaintext ranges of one encrypted file.
#[derive(Debug)]
pub struct PlainReader<S> {
    src: S,
    cipher: FileCipher,
    plain_len: u64,
    stored_len: u64,
}

impl<S: StoredBytes> PlainReader<S> {
    /// Read the header of a file of `stored_len` bytes and find its key in `keyring`.
    pub fn open(src: S, stored_len: u64, keyring: &Keyring) -> Result<Self> {
        if stored_len < HEADER_LEN as u64 {
            return Err(CryptoError::Tampered);
        }
        let header = src.read_at(0, HEADER_LEN as u64)?;
        Self::with_header(src, &header, stored_len, keyring)
    }

    /// As [`PlainReader::open`] with the header already read.
    pub fn with_header(src: S, header: &[u8], stored_len: u64, keyring: &Keyring) -> Result<Self> {
        let cipher = FileCipher::open(header, keyring)?;
        let (_, plain_len) = cipher.layout(stored_len)?;
        Ok(Self { src, cipher, plain_len, stored_len })
    }

    /// The plaintext length.
    pub fn plain_len(&self) -> u64 {
        self.plain_len
    }

    /// Plaintext bytes `start..end` (checked: fails on any altered byte of the segments read).
    pub fn read(&self, start: u64, end: u64) -> Result<Vec<u8>> {
        let end = end.min(self.plain_len);
        if start >= end {
            return Ok(Vec::new());
        }
        let (s, e) = self.cipher.stored_range(start, end, self.stored_len)?;
        let stored = self.src.read_at(s, e)?;
        self.cipher.decrypt_range(&stored, start, end, self.stored_len)
    }

    /// The whole plaintext.
    pub fn read_all(&self) -> Result<Vec<u8>> {
        self.read(0, self.plain_len)
    }

    /// Plaintext bytes per segment.
    pub fn segment_len(&self) -> u64 {
        self.cipher.segment_len()
    }
}

/// The plaintext of an encrypted file as a `Read + Seek` stream (for readers that want a file:
/// CSV, JSON, or a zip archive such as xlsx that seeks to its central directory). One segment
/// is decrypted (and checked) at a time and kept while reads stay inside it.
#[derive(Debug)]
pub struct PlainStream<S> {
    reader: PlainReader<S>,
    pos: u64,
    segment: Option<(u64, Vec<u8>)>,
}

impl<S: StoredBytes> PlainStream<S> {
    /// A stream at the start of `reader`'s plaintext.
    pub fn new(reader: PlainReader<S>) -> Self {
        Self { reader, pos: 0, segment: None }
    }

    /// The plaintext length.
    pub fn plain_len(&self) -> u64 {
        self.reader.plain_len()
    }
}

impl<S: StoredBytes> std::io::Read for PlainStream<S> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let len = self.reader.plain_len();
        if self.pos >= len || out.is_empty() {
            return Ok(0);
        }
        let seg = self.reader.segment_len().max(1);
        let index = self.pos / seg;
        let start = index * seg;
        if self.segment.as_ref().is_none_or(|(i, _)| *i != index) {
            let bytes = self.reader.read(start, (start + seg).min(len))?;
            self.segment = Some((index, bytes));
        }
        let Some((_, bytes)) = &self.segment else { return Ok(0) };
        let from = usize::try_from(self.pos - start).unwrap_or(usize::MAX);
        let avail = bytes.get(from..).ok_or_else(|| std::io::Error::from(CryptoError::Tampered))?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<S: StoredBytes> std::io::Seek for PlainStream<S> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let len = i128::from(self.reader.plain_len());
        let target = match to {
            std::io::SeekFrom::Start(n) => i128::from(n),
            std::io::SeekFrom::End(d) => len + i128::from(d),
            std::io::SeekFrom::Current(d) => i128::from(self.pos) + i128::from(d),
        };
        self.pos = u64::try_from(target)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start of the file"))?;
        Ok(self.pos)
    }
}
