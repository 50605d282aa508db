//! The SM4 block cipher (GB/T 32907-2016) behind the RustCrypto `cipher` traits, so that
//! `aes-gcm`'s generic GCM runs on it ([`crate::cipher::Sm4Gcm`]).
//!
//! Why our own: the portable `sm4` crate encrypts one block at a time with a byte S-box table
//! (about 115 MB/s here), which made SM4-GCM the slowest step of an encrypted hand-in. On x86-64
//! with AES-NI and SSSE3 this computes eight blocks at once (the counter blocks of GCM are
//! independent), evaluating the SM4 S-box through the AES one: both are inversions in GF(2⁸)
//! between affine maps, so `S_sm4(x) = post(S_aes(pre(x)))` with `pre` and `post` affine over
//! GF(2), each a pair of 16-entry nibble tables (see [`x86`]). No secret-dependent memory access,
//! unlike a table S-box. Elsewhere a portable single-block round function serves.
//!
//! Only encryption is provided: GCM (and CTR) never run the cipher backwards.

use aes_gcm::aead::consts::{U16, U8};
use aes_gcm::aes::cipher::inout::InOut;
use aes_gcm::aes::cipher::{
    AlgorithmName, Block, BlockBackend, BlockCipher, BlockClosure, BlockEncrypt, BlockSizeUser, Key, KeyInit,
    KeySizeUser, ParBlocks, ParBlocksSizeUser,
};
use zeroize::Zeroize;

#[cfg(target_arch = "x86_64")]
mod x86;

/// The S-box of GB/T 32907.
pub(crate) const SBOX: [u8; 256] = [
    0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05, //
    0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99, //
    0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62, //
    0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6, //
    0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8, //
    0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35, //
    0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87, //
    0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e, //
    0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1, //
    0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3, //
    0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f, //
    0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51, //
    0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8, //
    0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0, //
    0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84, //
    0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48, //
];

const FK: [u32; 4] = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc];

const CK: [u32; 32] = [
    0x00070e15, 0x1c232a31, 0x383f464d, 0x545b6269, 0x70777e85, 0x8c939aa1, 0xa8afb6bd, 0xc4cbd2d9, //
    0xe0e7eef5, 0xfc030a11, 0x181f262d, 0x343b4249, 0x50575e65, 0x6c737a81, 0x888f969d, 0xa4abb2b9, //
    0xc0c7ced5, 0xdce3eaf1, 0xf8ff060d, 0x141b2229, 0x30373e45, 0x4c535a61, 0x686f767d, 0x848b9299, //
    0xa0a7aeb5, 0xbcc3cad1, 0xd8dfe6ed, 0xf4fb0209, 0x10171e25, 0x2c333a41, 0x484f565d, 0x646b7279, //
];

/// τ: the S-box on each byte of a word.
fn tau(a: u32) -> u32 {
    u32::from_be_bytes(a.to_be_bytes().map(|b| SBOX[usize::from(b)]))
}

/// SM4 with its 32 round keys.
#[derive(Clone)]
pub struct Sm4 {
    rk: [u32; 32],
    /// AES-NI and SSSE3 were found at key setup: the eight-block path is used.
    simd: bool,
}

impl Sm4 {
    fn expand(key: &[u8; 16]) -> [u32; 32] {
        let mut k = [0u32; 4];
        for (i, w) in k.iter_mut().enumerate() {
            *w = u32::from_be_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]) ^ FK[i];
        }
        let mut rk = [0u32; 32];
        for i in 0..32 {
            let t = tau(k[(i + 1) % 4] ^ k[(i + 2) % 4] ^ k[(i + 3) % 4] ^ CK[i]);
            let next = k[i % 4] ^ t ^ t.rotate_left(13) ^ t.rotate_left(23);
            k[i % 4] = next;
            rk[i] = next;
        }
        k.zeroize();
        rk
    }

    /// One block, portably.
    fn encrypt_one(rk: &[u32; 32], block: &[u8; 16]) -> [u8; 16] {
        let mut x = [0u32; 4];
        for (i, w) in x.iter_mut().enumerate() {
            *w = u32::from_be_bytes([block[4 * i], block[4 * i + 1], block[4 * i + 2], block[4 * i + 3]]);
        }
        for (i, k) in rk.iter().enumerate() {
            let b = tau(x[(i + 1) % 4] ^ x[(i + 2) % 4] ^ x[(i + 3) % 4] ^ k);
            x[i % 4] ^= b ^ b.rotate_left(2) ^ b.rotate_left(10) ^ b.rotate_left(18) ^ b.rotate_left(24);
        }
        let mut out = [0u8; 16];
        for (i, w) in [x[3], x[2], x[1], x[0]].iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// Eight blocks: the SIMD path where the CPU has it, else one at a time.
    fn encrypt_eight(&self, blocks: &mut [[u8; 16]; 8]) {
        #[cfg(target_arch = "x86_64")]
        if self.simd {
            x86::encrypt8(&self.rk, blocks);
            return;
        }
        for b in blocks.iter_mut() {
            *b = Self::encrypt_one(&self.rk, b);
        }
    }
}

fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        x86::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl KeySizeUser for Sm4 {
    type KeySize = U16;
}

impl KeyInit for Sm4 {
    fn new(key: &Key<Self>) -> Self {
        Self { rk: Self::expand(&(*key).into()), simd: simd_available() }
    }
}

impl BlockSizeUser for Sm4 {
    type BlockSize = U16;
}

impl BlockCipher for Sm4 {}

impl BlockEncrypt for Sm4 {
    fn encrypt_with_backend(&self, f: impl BlockClosure<BlockSize = U16>) {
        f.call(&mut Backend(self))
    }
}

impl AlgorithmName for Sm4 {
    fn write_alg_name(f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SM4")
    }
}

impl std::fmt::Debug for Sm4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sm4 {{ simd: {} }}", self.simd)
    }
}

impl Drop for Sm4 {
    fn drop(&mut self) {
        self.rk.zeroize();
    }
}

/// The `cipher` crate's view of a keyed [`Sm4`]: eight blocks in parallel.
struct Backend<'a>(&'a Sm4);

impl BlockSizeUser for Backend<'_> {
    type BlockSize = U16;
}

impl ParBlocksSizeUser for Backend<'_> {
    type ParBlocksSize = U8;
}

impl BlockBackend for Backend<'_> {
    fn proc_block(&mut self, mut block: InOut<'_, '_, Block<Self>>) {
        let out = Sm4::encrypt_one(&self.0.rk, &block.clone_in().into());
        *block.get_out() = out.into();
    }

    fn proc_par_blocks(&mut self, mut blocks: InOut<'_, '_, ParBlocks<Self>>) {
        let input = blocks.clone_in();
        let mut buf = [[0u8; 16]; 8];
        for (b, i) in buf.iter_mut().zip(input.iter()) {
            *b = (*i).into();
        }
        self.0.encrypt_eight(&mut buf);
        for (o, b) in blocks.get_out().iter_mut().zip(buf) {
            *o = b.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::consts::U12;
    use aes_gcm::aead::{Aead, Payload};
    use aes_gcm::AesGcm;
    use proptest::prelude::*;

    fn hex16(s: &str) -> [u8; 16] {
        let v = hex::decode(s).unwrap_or_default();
        v.try_into().unwrap_or([0; 16])
    }

    /// GB/T 32907-2016 appendix A, example 1 (one block), through both paths.
    #[test]
    fn standard_example() {
        let key = hex16("0123456789abcdeffedcba9876543210");
        let cipher = Sm4::new(&key.into());
        assert_eq!(Sm4::encrypt_one(&cipher.rk, &key), hex16("681edf34d206965e86b3e94f536e4246"));
        let mut eight = [key; 8];
        cipher.encrypt_eight(&mut eight);
        assert!(eight.iter().all(|b| *b == hex16("681edf34d206965e86b3e94f536e4246")));
    }

    /// The SIMD path is present on the machines we run on (the bench figures assume it).
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn simd_path_is_taken_where_the_cpu_has_it() {
        let has = std::arch::is_x86_feature_detected!("aes") && std::arch::is_x86_feature_detected!("ssse3");
        assert_eq!(Sm4::new(&[0u8; 16].into()).simd, has);
    }

    proptest! {
        /// Against the portable `sm4` crate (RustCrypto) on random keys and eight random blocks
        /// (each lane of the SIMD path gets a different block).
        #[test]
        fn matches_the_reference(key in any::<[u8; 16]>(), blocks in any::<[[u8; 16]; 8]>()) {
            let reference = sm4::Sm4::new(&key.into());
            let ours = Sm4::new(&key.into());
            let mut eight = blocks;
            ours.encrypt_eight(&mut eight);
            for (i, b) in blocks.iter().enumerate() {
                let mut r = (*b).into();
                reference.encrypt_block(&mut r);
                let r: [u8; 16] = r.into();
                prop_assert_eq!(Sm4::encrypt_one(&ours.rk, b), r);
                prop_assert_eq!(eight[i], r);
            }
        }

        /// SM4-GCM over messages long enough for the eight-block path, against GCM over the
        /// reference block cipher.
        #[test]
        fn gcm_matches_the_reference(key in any::<[u8; 16]>(), nonce in any::<[u8; 12]>(),
                                     msg in proptest::collection::vec(any::<u8>(), 0..700)) {
            let payload = || Payload { msg: &msg, aad: b"aad" };
            let ours = AesGcm::<Sm4, U12>::new(&key.into()).encrypt(&nonce.into(), payload());
            let reference = AesGcm::<sm4::Sm4, U12>::new(&key.into()).encrypt(&nonce.into(), payload());
            prop_assert!(ours.is_ok());
            prop_assert_eq!(ours, reference);
        }
    }
}
