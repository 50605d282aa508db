//! Signed notes (C2SP signed-note), checkpoints (C2SP tlog-checkpoint) and witness cosignatures
//! (C2SP tlog-cosignature style), with SM2 keys by default and Ed25519 as the alternative.
//!
//! Key strings follow the Go `sumdb/note` form:
//! - verifier key: `<name>+<key ID, 8 hex>+<base64(type || public key)>`
//! - signer key:   `PRIVATE+KEY+<name>+<key ID, 8 hex>+<base64(type || private key)>`
//!
//! Signature types (the key ID is `SHA-256(name || 0x0A || type || public key)[:4]`):
//! - `0x01`: Ed25519 over the note text (signed-note).
//! - `0x04`: timestamped Ed25519 cosignature (tlog-cosignature).
//! - `0xff || "sm2-sm3/v1"`: SM2 over the note text, SM3 digest, user ID `1234567812345678`;
//!   public key 65-byte SEC1 uncompressed, signature `r || s` (64 bytes).
//! - `0xff || "sm2-sm3-cosignature/v1"`: timestamped SM2 cosignature, same message as type 0x04.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::Digest as _;
use std::fmt;

use crate::hash::Hash;

/// The SM2 distinguishing (user) ID used for every SM2 signature in the ledger (GM/T 0009 default).
pub const SM2_USER_ID: &str = "1234567812345678";

const TYPE_ED25519: &[u8] = &[0x01];
const TYPE_ED25519_COSIG: &[u8] = &[0x04];
const TYPE_SM2: &[u8] = b"\xffsm2-sm3/v1";
const TYPE_SM2_COSIG: &[u8] = b"\xffsm2-sm3-cosignature/v1";

/// Errors of keys, notes and checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Malformed key, note or checkpoint text.
    #[error("malformed {0}")]
    Malformed(String),
    /// A signature by a known key does not verify.
    #[error("invalid signature by {0}")]
    BadSignature(String),
    /// No signature by any trusted key.
    #[error("no signature by a trusted key")]
    NoTrustedSignature,
}

fn bad(what: impl Into<String>) -> NoteError {
    NoteError::Malformed(what.into())
}

/// Signature algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// SM2 with SM3 and the default user ID (国密, the default).
    Sm2,
    /// Ed25519 (RFC 8032).
    Ed25519,
}

impl Algorithm {
    /// Parse `sm2` or `ed25519`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sm2" => Some(Self::Sm2),
            "ed25519" => Some(Self::Ed25519),
            _ => None,
        }
    }
}

/// What a key signs: note texts (a log's checkpoints) or timestamped cosignatures (a witness).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Signs the note text itself.
    Note,
    /// Signs `cosignature/v1\ntime T\n` + checkpoint text, prefixing the 8-byte time.
    Cosigner,
}

fn type_bytes(alg: Algorithm, role: Role) -> &'static [u8] {
    match (alg, role) {
        (Algorithm::Ed25519, Role::Note) => TYPE_ED25519,
        (Algorithm::Ed25519, Role::Cosigner) => TYPE_ED25519_COSIG,
        (Algorithm::Sm2, Role::Note) => TYPE_SM2,
        (Algorithm::Sm2, Role::Cosigner) => TYPE_SM2_COSIG,
    }
}

fn split_type(b: &[u8]) -> Option<(Algorithm, Role, &[u8])> {
    // Longest identifiers first (TYPE_SM2 is a prefix of nothing else, but be explicit).
    for (t, alg, role) in [
        (TYPE_SM2_COSIG, Algorithm::Sm2, Role::Cosigner),
        (TYPE_SM2, Algorithm::Sm2, Role::Note),
        (TYPE_ED25519, Algorithm::Ed25519, Role::Note),
        (TYPE_ED25519_COSIG, Algorithm::Ed25519, Role::Cosigner),
    ] {
        if let Some(rest) = b.strip_prefix(t) {
            return Some((alg, role, rest));
        }
    }
    None
}

fn key_id(name: &str, typ: &[u8], public: &[u8]) -> u32 {
    let mut h = sha2::Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a]);
    h.update(typ);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control()) {
        return Err(bad(format!("key name {name:?}")));
    }
    Ok(())
}

enum SecretKind {
    Sm2(Box<sm2::dsa::SigningKey>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

/// A private key that signs notes or cosignatures. Its `Debug` never shows the secret.
pub struct Signer {
    name: String,
    id: u32,
    role: Role,
    secret: SecretKind,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}+{:08x}, secret hidden)", self.name, self.id)
    }
}

impl Signer {
    /// A fresh random key.
    pub fn generate(name: &str, alg: Algorithm, role: Role) -> Result<Self, NoteError> {
        check_name(name)?;
        let mut rng = rand::rngs::OsRng;
        let secret = match alg {
            Algorithm::Ed25519 => SecretKind::Ed25519(Box::new(ed25519_dalek::SigningKey::generate(&mut rng))),
            Algorithm::Sm2 => {
                let sk = sm2::SecretKey::random(&mut rng);
                SecretKind::Sm2(Box::new(
                    sm2::dsa::SigningKey::new(SM2_USER_ID, &sk).map_err(|_| bad("generated SM2 key"))?,
                ))
            }
        };
        Self::assemble(name, role, secret)
    }

    fn assemble(name: &str, role: Role, secret: SecretKind) -> Result<Self, NoteError> {
        let mut s = Self { name: name.to_owned(), id: 0, role, secret };
        s.id = key_id(name, type_bytes(s.algorithm(), role), &s.public_bytes());
        Ok(s)
    }

    /// Parse a `PRIVATE+KEY+name+id+base64` string.
    pub fn from_key_string(s: &str) -> Result<Self, NoteError> {
        let rest = s.trim().strip_prefix("PRIVATE+KEY+").ok_or_else(|| bad("signer key (no PRIVATE+KEY+ prefix)"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("signer key"));
        };
        check_name(name)?;
        let raw = B64.decode(b64).map_err(|_| bad("signer key base64"))?;
        let (alg, role, key) = split_type(&raw).ok_or_else(|| bad("signer key type"))?;
        let secret = match alg {
            Algorithm::Ed25519 => {
                let seed: [u8; 32] = key.try_into().map_err(|_| bad("Ed25519 private key length"))?;
                SecretKind::Ed25519(Box::new(ed25519_dalek::SigningKey::from_bytes(&seed)))
            }
            Algorithm::Sm2 => SecretKind::Sm2(Box::new(
                sm2::dsa::SigningKey::from_slice(SM2_USER_ID, key).map_err(|_| bad("SM2 private key"))?,
            )),
        };
        let signer = Self::assemble(name, role, secret)?;
        let id = u32::from_str_radix(id_hex, 16).map_err(|_| bad("signer key ID"))?;
        if id != signer.id || id_hex.len() != 8 {
            return Err(bad("signer key ID does not match the key"));
        }
        Ok(signer)
    }

    /// The `PRIVATE+KEY+…` string (secret: write it only to a file readable by the owner).
    pub fn to_key_string(&self) -> String {
        let mut raw = type_bytes(self.algorithm(), self.role).to_vec();
        match &self.secret {
            SecretKind::Ed25519(k) => raw.extend_from_slice(&k.to_bytes()),
            SecretKind::Sm2(k) => raw.extend_from_slice(&k.to_bytes()),
        }
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.secret {
            SecretKind::Sm2(_) => Algorithm::Sm2,
            SecretKind::Ed25519(_) => Algorithm::Ed25519,
        }
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    fn public_bytes(&self) -> Vec<u8> {
        match &self.secret {
            SecretKind::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            SecretKind::Sm2(k) => k.verifying_key().to_sec1_bytes().to_vec(),
        }
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        let public = match &self.secret {
            SecretKind::Ed25519(k) => PublicKind::Ed25519(Box::new(k.verifying_key())),
            SecretKind::Sm2(k) => PublicKind::Sm2(Box::new(k.verifying_key().clone())),
        };
        Verifier { name: self.name.clone(), id: self.id, role: self.role, public }
    }

    fn raw_sign(&self, msg: &[u8]) -> Vec<u8> {
        use sm2::dsa::signature::Signer as _;
        match &self.secret {
            SecretKind::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
            SecretKind::Sm2(k) => {
                let sig: sm2::dsa::Signature = k.sign(msg);
                sig.to_bytes().to_vec()
            }
        }
    }

    /// Sign a note text (role [`Role::Note`]): the signature line's payload.
    pub fn sign_text(&self, text: &str) -> Signature {
        let mut bytes = self.id.to_be_bytes().to_vec();
        bytes.extend(self.raw_sign(text.as_bytes()));
        Signature { name: self.name.clone(), id: self.id, bytes }
    }

    /// Cosign a checkpoint text at `time` (seconds since the Unix epoch; role [`Role::Cosigner`]).
    pub fn cosign(&self, checkpoint_text: &str, time: u64) -> Signature {
        let msg = cosignature_message(checkpoint_text, time);
        let mut bytes = self.id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&time.to_be_bytes());
        bytes.extend(self.raw_sign(msg.as_bytes()));
        Signature { name: self.name.clone(), id: self.id, bytes }
    }

    /// Sign as this key's role says: the note text, or a cosignature now.
    pub fn sign_note_text(&self, text: &str, now: u64) -> Signature {
        match self.role {
            Role::Note => self.sign_text(text),
            Role::Cosigner => self.cosign(text, now),
        }
    }
}

fn cosignature_message(text: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{text}")
}

enum PublicKind {
    Sm2(Box<sm2::dsa::VerifyingKey>),
    Ed25519(Box<ed25519_dalek::VerifyingKey>),
}

/// A public key that checks note signatures or cosignatures.
pub struct Verifier {
    name: String,
    id: u32,
    role: Role,
    public: PublicKind,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier({})", self.to_key_string())
    }
}

impl Clone for Verifier {
    fn clone(&self) -> Self {
        let public = match &self.public {
            PublicKind::Sm2(k) => PublicKind::Sm2(k.clone()),
            PublicKind::Ed25519(k) => PublicKind::Ed25519(k.clone()),
        };
        Self { name: self.name.clone(), id: self.id, role: self.role, public }
    }
}

impl Verifier {
    /// Parse a `name+id+base64` verifier key.
    pub fn from_key_string(s: &str) -> Result<Self, NoteError> {
        let mut parts = s.trim().splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("verifier key"));
        };
        check_name(name)?;
        let raw = B64.decode(b64).map_err(|_| bad("verifier key base64"))?;
        let (alg, role, key) = split_type(&raw).ok_or_else(|| bad("verifier key type"))?;
        let public = match alg {
            Algorithm::Ed25519 => {
                let k: [u8; 32] = key.try_into().map_err(|_| bad("Ed25519 public key length"))?;
                PublicKind::Ed25519(Box::new(
                    ed25519_dalek::VerifyingKey::from_bytes(&k).map_err(|_| bad("Ed25519 public key"))?,
                ))
            }
            Algorithm::Sm2 => PublicKind::Sm2(Box::new(
                sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_USER_ID, key).map_err(|_| bad("SM2 public key"))?,
            )),
        };
        let id = u32::from_str_radix(id_hex, 16).map_err(|_| bad("verifier key ID"))?;
        if id_hex.len() != 8 || id != key_id(name, type_bytes(alg, role), key) {
            return Err(bad("verifier key ID does not match the key"));
        }
        Ok(Self { name: name.to_owned(), id, role, public })
    }

    /// The `name+id+base64` string.
    pub fn to_key_string(&self) -> String {
        let mut raw = type_bytes(self.algorithm(), self.role).to_vec();
        raw.extend(self.public_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    fn public_bytes(&self) -> Vec<u8> {
        match &self.public {
            PublicKind::Ed25519(k) => k.to_bytes().to_vec(),
            PublicKind::Sm2(k) => k.to_sec1_bytes().to_vec(),
        }
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// Algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.public {
            PublicKind::Sm2(_) => Algorithm::Sm2,
            PublicKind::Ed25519(_) => Algorithm::Ed25519,
        }
    }

    /// Role (note signer or cosigner).
    pub fn role(&self) -> Role {
        self.role
    }

    fn raw_verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        use sm2::dsa::signature::Verifier as _;
        match &self.public {
            PublicKind::Ed25519(k) => {
                ed25519_dalek::Signature::from_slice(sig).map(|s| k.verify_strict(msg, &s).is_ok()).unwrap_or(false)
            }
            PublicKind::Sm2(k) => {
                sm2::dsa::Signature::from_slice(sig).map(|s| k.verify(msg, &s).is_ok()).unwrap_or(false)
            }
        }
    }

    /// Whether this key made `sig` over `text`. For cosigners, returns the cosignature's time.
    pub fn verify(&self, text: &str, sig: &Signature) -> Result<Option<u64>, NoteError> {
        if sig.name != self.name || sig.id != self.id || sig.bytes.len() < 4 {
            return Err(NoteError::BadSignature(sig.name.clone()));
        }
        let body = &sig.bytes[4..];
        match self.role {
            Role::Note => {
                if self.raw_verify(text.as_bytes(), body) {
                    Ok(None)
                } else {
                    Err(NoteError::BadSignature(self.name.clone()))
                }
            }
            Role::Cosigner => {
                if body.len() < 8 {
                    return Err(NoteError::BadSignature(self.name.clone()));
                }
                let mut t = [0u8; 8];
                t.copy_from_slice(&body[..8]);
                let time = u64::from_be_bytes(t);
                if self.raw_verify(cosignature_message(text, time).as_bytes(), &body[8..]) {
                    Ok(Some(time))
                } else {
                    Err(NoteError::BadSignature(self.name.clone()))
                }
            }
        }
    }
}

/// One signature line: `— <name> base64(key ID || signature)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Key name.
    pub name: String,
    /// Key ID (the first four bytes of `bytes`).
    pub id: u32,
    /// Key ID followed by the signature (and, for cosignatures, the 8-byte time first).
    pub bytes: Vec<u8>,
}

impl Signature {
    /// The signature line, with its final newline.
    pub fn line(&self) -> String {
        format!("— {} {}\n", self.name, B64.encode(&self.bytes))
    }

    /// Parse one signature line (without or with its final newline).
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        let rest = line.trim_end_matches('\n').strip_prefix("— ").ok_or_else(|| bad("signature line"))?;
        let (name, b64) = rest.split_once(' ').ok_or_else(|| bad("signature line"))?;
        check_name(name)?;
        let bytes = B64.decode(b64).map_err(|_| bad("signature base64"))?;
        if bytes.len() < 5 {
            return Err(bad("signature too short"));
        }
        let id = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        Ok(Self { name: name.to_owned(), id, bytes })
    }
}

/// A signed note: text (ending in a newline) and signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, including its final newline.
    pub text: String,
    /// Signatures in order.
    pub signatures: Vec<Signature>,
}

/// Most signature lines accepted in one note.
pub const MAX_SIGNATURES: usize = 64;

impl Note {
    /// Parse `text \n — sig…`.
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        if s.chars().any(|c| c.is_ascii_control() && c != '\n') {
            return Err(bad("note (control character)"));
        }
        let split = s.rfind("\n\n").ok_or_else(|| bad("note (no blank line before signatures)"))?;
        let text = &s[..=split];
        let sigs = &s[split + 2..];
        if !sigs.ends_with('\n') {
            return Err(bad("note (no final newline)"));
        }
        let signatures = sigs.lines().map(Signature::parse_line).collect::<Result<Vec<_>, _>>()?;
        if signatures.is_empty() || signatures.len() > MAX_SIGNATURES {
            return Err(bad("note (signature count)"));
        }
        Ok(Self { text: text.to_owned(), signatures })
    }

    /// Verify against trusted keys: every signature by a known key must verify and at least one
    /// must; unknown keys are ignored. Returns the names of the keys that verified.
    pub fn verify(&self, trusted: &[Verifier]) -> Result<Vec<String>, NoteError> {
        let mut ok = Vec::new();
        for s in &self.signatures {
            if let Some(v) = trusted.iter().find(|v| v.name == s.name && v.id == s.id) {
                v.verify(&self.text, s)?;
                if !ok.contains(&s.name) {
                    ok.push(s.name.clone());
                }
            }
        }
        if ok.is_empty() {
            return Err(NoteError::NoTrustedSignature);
        }
        Ok(ok)
    }

    /// Add a signature unless one by the same key is already there.
    pub fn add_signature(&mut self, sig: Signature) {
        if !self.signatures.iter().any(|s| s.name == sig.name && s.id == sig.id) {
            self.signatures.push(sig);
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for s in &self.signatures {
            f.write_str(&s.line())?;
        }
        Ok(())
    }
}

/// A checkpoint (C2SP tlog-checkpoint): origin, tree size, base64 root hash, extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line (unique name of the log).
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// Optional extension lines (this ledger writes `time <RFC 3339 UTC>`).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text.
    pub fn text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parse a checkpoint text.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let body = text.strip_suffix('\n').ok_or_else(|| bad("checkpoint (no final newline)"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(|| bad("checkpoint origin"))?;
        let size_s = lines.next().ok_or_else(|| bad("checkpoint size"))?;
        if size_s.is_empty()
            || (size_s.len() > 1 && size_s.starts_with('0'))
            || !size_s.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad("checkpoint size"));
        }
        let size = size_s.parse().map_err(|_| bad("checkpoint size"))?;
        let root_b =
            B64.decode(lines.next().ok_or_else(|| bad("checkpoint root"))?).map_err(|_| bad("checkpoint root"))?;
        let root: Hash = root_b.as_slice().try_into().map_err(|_| bad("checkpoint root length"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad("checkpoint (empty extension line)"));
        }
        Ok(Self { origin: origin.to_owned(), size, root, extensions })
    }

    /// Sign into a note.
    pub fn sign(&self, signer: &Signer, now: u64) -> Note {
        let text = self.text();
        let sig = signer.sign_note_text(&text, now);
        Note { text, signatures: vec![sig] }
    }

    /// Parse a signed checkpoint and verify it against the log's key.
    pub fn open(note: &str, log_key: &Verifier) -> Result<(Self, Note), NoteError> {
        let n = Note::parse(note)?;
        n.verify(std::slice::from_ref(log_key))?;
        Ok((Self::parse(&n.text)?, n))
    }
}

/// Write `contents` to `path` readable by the owner only (for `PRIVATE+KEY` files).
pub fn write_secret_file(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}
