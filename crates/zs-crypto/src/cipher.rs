//! The two authenticated ciphers (SM4-GCM, AES-256-GCM) and the key derivation beside each
//! (HMAC-SM3 for SM4, HMAC-SHA256 for AES): one profile never mixes the other's primitives.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, AesGcm};
use hmac::{Hmac, Mac};

use crate::error::{CryptoError, Result};

/// SM4 in Galois/Counter mode with a 96-bit nonce (GB/T 32907 block cipher, the GCM mode of
/// GB/T 36624 / RFC 8998).
pub type Sm4Gcm = AesGcm<crate::sm4_block::Sm4, U12>;

/// Bytes of a nonce.
pub const NONCE_LEN: usize = 12;
/// Bytes of an authentication tag.
pub const TAG_LEN: usize = 16;

/// An authenticated cipher. A key, a wrapped key and a file name theirs; one is never used with
/// the other's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// SM4-GCM (national cryptography, the default), 128-bit key, KDF HMAC-SM3.
    Sm4Gcm,
    /// AES-256-GCM, 256-bit key, KDF HMAC-SHA256.
    Aes256Gcm,
}

impl Algorithm {
    /// Stable name, as in the configuration (`encryption_cipher`) and the store.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sm4Gcm => "sm4-gcm",
            Algorithm::Aes256Gcm => "aes-256-gcm",
        }
    }

    /// The algorithm of a stable name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "sm4-gcm" => Ok(Algorithm::Sm4Gcm),
            "aes-256-gcm" => Ok(Algorithm::Aes256Gcm),
            other => Err(CryptoError::Format(format!("unknown cipher '{other}' (sm4-gcm or aes-256-gcm)"))),
        }
    }

    /// The byte that names it in a file header.
    pub(crate) fn id(self) -> u8 {
        match self {
            Algorithm::Sm4Gcm => 1,
            Algorithm::Aes256Gcm => 2,
        }
    }

    pub(crate) fn from_id(id: u8) -> Result<Self> {
        match id {
            1 => Ok(Algorithm::Sm4Gcm),
            2 => Ok(Algorithm::Aes256Gcm),
            other => Err(CryptoError::Format(format!("unknown cipher id {other}"))),
        }
    }

    /// Bytes of a key.
    pub fn key_len(self) -> usize {
        match self {
            Algorithm::Sm4Gcm => 16,
            Algorithm::Aes256Gcm => 32,
        }
    }

    /// Encrypt and authenticate `plain` (with `aad` authenticated too): ciphertext ‖ tag.
    pub fn seal(self, key: &[u8], nonce: &[u8; NONCE_LEN], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
        let payload = Payload { msg: plain, aad };
        let out = match self {
            Algorithm::Sm4Gcm => Sm4Gcm::new_from_slice(key).map_err(|_| bad_key(self))?.encrypt(nonce.into(), payload),
            Algorithm::Aes256Gcm => {
                Aes256Gcm::new_from_slice(key).map_err(|_| bad_key(self))?.encrypt(nonce.into(), payload)
            }
        };
        out.map_err(|_| CryptoError::Format("encryption failed".into()))
    }

    /// Check and decrypt what [`Algorithm::seal`] made; any change to key, nonce, `aad` or a
    /// byte of `sealed` is [`CryptoError::Tampered`].
    pub fn open(self, key: &[u8], nonce: &[u8; NONCE_LEN], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        let payload = Payload { msg: sealed, aad };
        let out = match self {
            Algorithm::Sm4Gcm => Sm4Gcm::new_from_slice(key).map_err(|_| bad_key(self))?.decrypt(nonce.into(), payload),
            Algorithm::Aes256Gcm => {
                Aes256Gcm::new_from_slice(key).map_err(|_| bad_key(self))?.decrypt(nonce.into(), payload)
            }
        };
        out.map_err(|_| CryptoError::Tampered)
    }

    /// Derive a key of this algorithm's length from `secret` for `label` (HKDF-style extract and
    /// expand with this profile's HMAC; one output block covers both key lengths).
    pub fn derive(self, secret: &[u8], label: &[u8], salt: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = match self {
            Algorithm::Sm4Gcm => hkdf::<Hmac<sm3::Sm3>>(secret, label, salt),
            Algorithm::Aes256Gcm => hkdf::<Hmac<sha2::Sha256>>(secret, label, salt),
        };
        out.truncate(self.key_len());
        zeroize::Zeroizing::new(out)
    }
}

fn bad_key(alg: Algorithm) -> CryptoError {
    CryptoError::Format(format!("a {} key must be {} bytes", alg.name(), alg.key_len()))
}

/// RFC 5869 with one expand block: PRK = HMAC(salt, secret); OKM = HMAC(PRK, label ‖ 0x01).
fn hkdf<M: Mac + KeyInit>(secret: &[u8], label: &[u8], salt: &[u8]) -> Vec<u8> {
    let mut extract = <M as KeyInit>::new_from_slice(salt).unwrap_or_else(|_| unreachable_hmac::<M>());
    extract.update(secret);
    let prk = extract.finalize().into_bytes();
    let mut expand = <M as KeyInit>::new_from_slice(&prk).unwrap_or_else(|_| unreachable_hmac::<M>());
    expand.update(label);
    expand.update(&[1]);
    expand.finalize().into_bytes().to_vec()
}

/// HMAC takes keys of any length: never reached.
#[allow(clippy::expect_used)]
fn unreachable_hmac<M: Mac + KeyInit>() -> M {
    <M as KeyInit>::new_from_slice(b"k").expect("HMAC accepts any key length")
}

/// Fresh random bytes from the operating system.
pub(crate) fn random<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sm4_block::Sm4;
    use aes_gcm::aead::generic_array::GenericArray;
    use aes_gcm::aes::cipher::BlockEncrypt;

    /// GB/T 32907-2016 appendix A, example 1.
    #[test]
    fn sm4_known_answer() {
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let cipher = Sm4::new_from_slice(&key).unwrap();
        let mut block = GenericArray::clone_from_slice(&key);
        cipher.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    /// GB/T 32907-2016 appendix A, example 2: the same block encrypted 1,000,000 times.
    #[test]
    fn sm4_known_answer_million() {
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let cipher = Sm4::new_from_slice(&key).unwrap();
        let mut block = GenericArray::clone_from_slice(&key);
        for _ in 0..1_000_000 {
            cipher.encrypt_block(&mut block);
        }
        assert_eq!(hex::encode(block), "595298c7c6fd271f0402f804c33d3f66");
    }

    /// SM4-GCM test vector of RFC 8998 appendix A.1.
    #[test]
    fn sm4_gcm_rfc8998() {
        let key = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let nonce: [u8; 12] = hex::decode("00001234567800000000ABCD").unwrap().try_into().unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let plain = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let sealed = Algorithm::Sm4Gcm.seal(&key, &nonce, &aad, &plain).unwrap();
        let (ct, tag) = sealed.split_at(plain.len());
        assert_eq!(
            hex::encode_upper(ct),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        );
        assert_eq!(hex::encode_upper(tag), "83DE3541E4C2B58177E065A9BF7B62EC");
        assert_eq!(Algorithm::Sm4Gcm.open(&key, &nonce, &aad, &sealed).unwrap(), plain);
    }

    #[test]
    fn both_ciphers_round_trip_and_detect_tampering() {
        for alg in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
            let key = alg.derive(b"secret", b"test", b"salt");
            assert_eq!(key.len(), alg.key_len());
            let nonce = random::<12>();
            let sealed = alg.seal(&key, &nonce, b"aad", "政务数据".as_bytes()).unwrap();
            assert_eq!(alg.open(&key, &nonce, b"aad", &sealed).unwrap(), "政务数据".as_bytes());
            for i in 0..sealed.len() {
                let mut bad = sealed.clone();
                bad[i] ^= 1;
                assert!(matches!(alg.open(&key, &nonce, b"aad", &bad), Err(CryptoError::Tampered)));
            }
            assert!(matches!(alg.open(&key, &nonce, b"other", &sealed), Err(CryptoError::Tampered)));
            assert_eq!(Algorithm::from_name(alg.name()).unwrap(), alg);
            assert_eq!(Algorithm::from_id(alg.id()).unwrap(), alg);
        }
    }
}
