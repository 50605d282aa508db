//! Throughput of the at-rest ciphers on one 64 KiB file segment at a time, as the data files use them:
//! SM4-GCM (ours, eight blocks at once with AES-NI), SM4-GCM over the portable RustCrypto `sm4`
//! block cipher (what it replaced), and AES-256-GCM. Prints MB/s of sealing and of opening.
//!
//! `cargo bench -p zs-crypto --bench cipher`
#![allow(clippy::print_stdout, missing_docs)]

use std::time::Instant;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::AesGcm;
use zs_crypto::Algorithm;

/// As the data files seal them (`stream::SEGMENT_LOG2`).
const SEGMENT: usize = 1 << zs_crypto::stream::SEGMENT_LOG2;
const TOTAL: usize = 256 << 20;

fn rate(bytes: usize, f: impl FnMut()) -> f64 {
    let mut f = f;
    f(); // warm up
    let started = Instant::now();
    for _ in 0..bytes / SEGMENT {
        f();
    }
    bytes as f64 / started.elapsed().as_secs_f64() / 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let plain: Vec<u8> = (0..SEGMENT).map(|i| (i * 31 % 251) as u8).collect();
    let nonce = [7u8; 12];
    println!("{:<34} {:>10} {:>10}", "cipher (64 KiB segments)", "seal MB/s", "open MB/s");
    for alg in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
        let key = alg.derive(b"bench", b"cipher", b"");
        let sealed = alg.seal(&key, &nonce, b"aad", &plain)?;
        let seal = rate(TOTAL, || {
            std::hint::black_box(alg.seal(&key, &nonce, b"aad", &plain).ok());
        });
        let open = rate(TOTAL, || {
            std::hint::black_box(alg.open(&key, &nonce, b"aad", &sealed).ok());
        });
        println!("{:<34} {seal:>10.0} {open:>10.0}", alg.name());
    }
    let key = [9u8; 16];
    let reference = AesGcm::<sm4::Sm4, U12>::new(&key.into());
    let seal = rate(TOTAL / 4, || {
        std::hint::black_box(reference.encrypt(&nonce.into(), Payload { msg: &plain, aad: b"aad" }).ok());
    });
    println!("{:<34} {seal:>10.0} {:>10}", "sm4-gcm over RustCrypto sm4 0.5", "-");
    Ok(())
}
