//! Hash profiles (杂凑算法): SM3 by default, SHA-256 as the alternative. A log states its profile
//! once (in `log.json` and every checkpoint's verifier) and never mixes them.

use sha2::Digest as _;

/// A tree hash: both profiles produce 32 bytes.
pub type Hash = [u8; 32];

/// The hash function of a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashProfile {
    /// SM3 (GB/T 32905-2016), the default 国密 profile.
    Sm3,
    /// SHA-256, the RFC 6962 / C2SP profile.
    Sha256,
}

impl HashProfile {
    /// The profile's name as written in `log.json` (`sm3` or `sha256`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sm3 => "sm3",
            Self::Sha256 => "sha256",
        }
    }

    /// Parse `sm3` or `sha256`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sm3" => Some(Self::Sm3),
            "sha256" | "sha-256" => Some(Self::Sha256),
            _ => None,
        }
    }

    /// Hash the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Hash {
        match self {
            Self::Sm3 => {
                let mut h = sm3::Sm3::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().into()
            }
            Self::Sha256 => {
                let mut h = sha2::Sha256::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().into()
            }
        }
    }

    /// The hash of an empty tree: `HASH()`.
    pub fn empty_root(self) -> Hash {
        self.digest(&[])
    }

    /// RFC 6962 leaf hash: `HASH(0x00 || entry)`.
    pub fn leaf_hash(self, entry: &[u8]) -> Hash {
        self.digest(&[&[0x00], entry])
    }

    /// RFC 6962 interior node hash: `HASH(0x01 || left || right)`.
    pub fn node_hash(self, left: &Hash, right: &Hash) -> Hash {
        self.digest(&[&[0x01], left, right])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_known_answers() {
        assert_eq!(
            hex::encode(HashProfile::Sm3.digest(&[b"abc"])),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
