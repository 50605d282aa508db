//! Eight SM4 blocks at once with SSSE3 and AES-NI.
//!
//! The blocks are transposed so that each 128-bit register holds the same word of four blocks;
//! two such groups run interleaved to hide the latency of `aesenclast`. The S-box is
//! `post(S_aes(pre(x)))`: `pre` and `post` are affine maps over GF(2) (the field isomorphism
//! between SM4's GF(2⁸) modulo x⁸+x⁷+x⁶+x⁵+x⁴+x²+1 and AES's, folded with each cipher's own
//! affine layer), applied as two `pshufb` nibble lookups each. The tables were derived from the
//! two S-boxes and are checked against the whole SM4 S-box by a test below; the cipher is checked
//! against GB/T 32907 and the portable implementation in `super::tests`.
//!
//! The only unsafe code of the crate: calling the `target_feature` function after the runtime
//! check, and unaligned loads and stores of 16-byte arrays.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m128i, _mm_aesenclast_si128, _mm_and_si128, _mm_loadu_si128, _mm_or_si128, _mm_set1_epi32, _mm_set1_epi8,
    _mm_setzero_si128, _mm_shuffle_epi8, _mm_slli_epi32, _mm_srli_epi32, _mm_storeu_si128, _mm_unpackhi_epi32,
    _mm_unpackhi_epi64, _mm_unpacklo_epi32, _mm_unpacklo_epi64, _mm_xor_si128,
};

/// The pre-S-box affine map, low and high nibble (constant folded into the low table).
const PRE_LO: [u8; 16] =
    [0x3e, 0xb2, 0x0e, 0x82, 0xbb, 0x37, 0x8b, 0x07, 0xa1, 0x2d, 0x91, 0x1d, 0x24, 0xa8, 0x14, 0x98];
const PRE_HI: [u8; 16] =
    [0x00, 0xdc, 0x2e, 0xf2, 0xc5, 0x19, 0xeb, 0x37, 0x08, 0xd4, 0x26, 0xfa, 0xcd, 0x11, 0xe3, 0x3f];
/// The post-S-box affine map (undoing AES's affine layer, then SM4's).
const POST_LO: [u8; 16] =
    [0x6c, 0xd4, 0xa6, 0x1e, 0x52, 0xea, 0x98, 0x20, 0x0b, 0xb3, 0xc1, 0x79, 0x35, 0x8d, 0xff, 0x47];
const POST_HI: [u8; 16] =
    [0x00, 0xe0, 0x50, 0xb0, 0x9d, 0x7d, 0xcd, 0x2d, 0xc0, 0x20, 0x90, 0x70, 0x5d, 0xbd, 0x0d, 0xed];
/// `aesenclast` shifts rows before substituting; this shuffle undoes that in advance.
const INV_SHIFT_ROWS: [u8; 16] = [0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3];
/// Big-endian words to little-endian lanes and back.
const BSWAP32: [u8; 16] = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];
/// Rotations of each 32-bit lane left by 8, 16 and 24 bits.
const ROL8: [u8; 16] = [3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14];
const ROL16: [u8; 16] = [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13];
const ROL24: [u8; 16] = [1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12];

/// Whether this CPU runs the eight-block path.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("aes") && std::arch::is_x86_feature_detected!("ssse3")
}

/// Encrypt eight blocks in place. Call only where [`available`] said yes (the key setup checks).
pub(super) fn encrypt8(rk: &[u32; 32], blocks: &mut [[u8; 16]; 8]) {
    debug_assert!(available());
    // SAFETY: `Sm4` takes this path only when `available()` found AES-NI and SSSE3 at key setup.
    unsafe { encrypt8_aesni(rk, blocks) }
}

fn load(b: &[u8; 16]) -> __m128i {
    // SAFETY: reads exactly the 16 bytes of the array; `loadu` has no alignment requirement.
    unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
}

fn store(b: &mut [u8; 16], v: __m128i) {
    // SAFETY: writes exactly the 16 bytes of the array; `storeu` has no alignment requirement.
    unsafe { _mm_storeu_si128(b.as_mut_ptr().cast(), v) }
}

/// Constants loaded once per call.
struct Consts {
    pre_lo: __m128i,
    pre_hi: __m128i,
    post_lo: __m128i,
    post_hi: __m128i,
    inv_shift_rows: __m128i,
    rol8: __m128i,
    rol16: __m128i,
    rol24: __m128i,
    nibble: __m128i,
}

#[target_feature(enable = "aes,ssse3")]
fn consts() -> Consts {
    Consts {
        pre_lo: load(&PRE_LO),
        pre_hi: load(&PRE_HI),
        post_lo: load(&POST_LO),
        post_hi: load(&POST_HI),
        inv_shift_rows: load(&INV_SHIFT_ROWS),
        rol8: load(&ROL8),
        rol16: load(&ROL16),
        rol24: load(&ROL24),
        nibble: _mm_set1_epi8(0x0f),
    }
}

/// `lo[x & 15] ^ hi[x >> 4]` on every byte: an affine map given by its nibble tables.
#[target_feature(enable = "aes,ssse3")]
fn affine(x: __m128i, lo: __m128i, hi: __m128i, nibble: __m128i) -> __m128i {
    let l = _mm_and_si128(x, nibble);
    let h = _mm_and_si128(_mm_srli_epi32(x, 4), nibble);
    _mm_xor_si128(_mm_shuffle_epi8(lo, l), _mm_shuffle_epi8(hi, h))
}

/// SM4's round function T = L∘τ on four words.
#[target_feature(enable = "aes,ssse3")]
fn t(x: __m128i, c: &Consts) -> __m128i {
    let y = affine(x, c.pre_lo, c.pre_hi, c.nibble);
    let z = _mm_aesenclast_si128(_mm_shuffle_epi8(y, c.inv_shift_rows), _mm_setzero_si128());
    let s = affine(z, c.post_lo, c.post_hi, c.nibble);
    // L(s) = s ^ (s <<< 2) ^ (s <<< 10) ^ (s <<< 18) ^ (s <<< 24)
    //      = s ^ (s <<< 24) ^ ((s ^ (s <<< 8) ^ (s <<< 16)) <<< 2)
    let m = _mm_xor_si128(_mm_xor_si128(s, _mm_shuffle_epi8(s, c.rol8)), _mm_shuffle_epi8(s, c.rol16));
    let m = _mm_or_si128(_mm_slli_epi32(m, 2), _mm_srli_epi32(m, 30));
    _mm_xor_si128(_mm_xor_si128(s, _mm_shuffle_epi8(s, c.rol24)), m)
}

/// Four registers of four words each ↔ four blocks: a 4×4 transpose of 32-bit lanes (its own
/// inverse).
#[target_feature(enable = "aes,ssse3")]
fn transpose(a: __m128i, b: __m128i, c: __m128i, d: __m128i) -> [__m128i; 4] {
    let t0 = _mm_unpacklo_epi32(a, b);
    let t1 = _mm_unpackhi_epi32(a, b);
    let t2 = _mm_unpacklo_epi32(c, d);
    let t3 = _mm_unpackhi_epi32(c, d);
    [_mm_unpacklo_epi64(t0, t2), _mm_unpackhi_epi64(t0, t2), _mm_unpacklo_epi64(t1, t3), _mm_unpackhi_epi64(t1, t3)]
}

#[target_feature(enable = "aes,ssse3")]
fn encrypt8_aesni(rk: &[u32; 32], blocks: &mut [[u8; 16]; 8]) {
    let c = consts();
    let bswap = load(&BSWAP32);
    let word = |b: &[u8; 16]| _mm_shuffle_epi8(load(b), bswap);
    let mut g = [
        transpose(word(&blocks[0]), word(&blocks[1]), word(&blocks[2]), word(&blocks[3])),
        transpose(word(&blocks[4]), word(&blocks[5]), word(&blocks[6]), word(&blocks[7])),
    ];
    for (i, k) in rk.iter().enumerate() {
        let k = _mm_set1_epi32(i32::from_ne_bytes(k.to_ne_bytes()));
        let (j0, j1, j2, j3) = (i % 4, (i + 1) % 4, (i + 2) % 4, (i + 3) % 4);
        for x in g.iter_mut() {
            let a = _mm_xor_si128(_mm_xor_si128(x[j1], x[j2]), _mm_xor_si128(x[j3], k));
            x[j0] = _mm_xor_si128(x[j0], t(a, &c));
        }
    }
    // The output is (X35, X34, X33, X32): after 32 rounds those are words 3, 2, 1, 0.
    for (n, x) in g.iter().enumerate() {
        let out = transpose(x[3], x[2], x[1], x[0]);
        for (m, v) in out.into_iter().enumerate() {
            store(&mut blocks[4 * n + m], _mm_shuffle_epi8(v, bswap));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nibble tables compute the SM4 S-box through the AES one, for all 256 bytes.
    #[test]
    fn sbox_through_aes() {
        if !available() {
            return;
        }
        for chunk in 0..16u8 {
            let input: [u8; 16] = std::array::from_fn(|i| chunk * 16 + i as u8);
            let out = sbox16(&input);
            for (i, o) in input.iter().zip(out) {
                assert_eq!(o, super::super::SBOX[usize::from(*i)], "S({i:#04x})");
            }
        }
    }

    fn sbox16(input: &[u8; 16]) -> [u8; 16] {
        #[target_feature(enable = "aes,ssse3")]
        fn inner(input: &[u8; 16]) -> [u8; 16] {
            let c = consts();
            let y = affine(load(input), c.pre_lo, c.pre_hi, c.nibble);
            let z = _mm_aesenclast_si128(_mm_shuffle_epi8(y, c.inv_shift_rows), _mm_setzero_si128());
            let mut out = [0u8; 16];
            store(&mut out, affine(z, c.post_lo, c.post_hi, c.nibble));
            out
        }
        // SAFETY: the caller checked `available()`.
        unsafe { inner(input) }
    }
}
