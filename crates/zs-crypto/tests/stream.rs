//! The segmented file format: round trips on both ciphers, ranged reads, and every kind of
//! tampering (a flipped byte anywhere, truncation, a swapped segment, a swapped header).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use proptest::prelude::*;
use zs_crypto::stream::{plain_len, HEADER_LEN};
use zs_crypto::{Algorithm, CryptoError, EncryptingWriter, Keyring, LocalMasterKeys, PlainReader, PlainStream};

fn ring(alg: Algorithm) -> Keyring {
    let r = Keyring::new(Arc::new(LocalMasterKeys::from_text(&"5a".repeat(32)).unwrap()), alg);
    let (k, _) = r.generate("t").unwrap();
    r.install(k, true);
    r
}

fn encrypt(r: &Keyring, data: &[u8]) -> Vec<u8> {
    let key = r.current("t").unwrap();
    let mut w = EncryptingWriter::new(Vec::new(), &key);
    // Odd write sizes cross segment boundaries.
    for chunk in data.chunks(7919) {
        std::io::Write::write_all(&mut w, chunk).unwrap();
    }
    let (out, stored) = w.finish().unwrap();
    assert_eq!(stored, out.len() as u64);
    out
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn round_trips_at_segment_edges_on_both_ciphers() {
    for alg in [Algorithm::Sm4Gcm, Algorithm::Aes256Gcm] {
        let r = ring(alg);
        for n in [0, 1, 65_535, 65_536, 65_537, 3 * 65_536, 200_001] {
            let plain = data(n);
            let stored = encrypt(&r, &plain);
            assert_eq!(plain_len(&stored, stored.len() as u64).unwrap(), n as u64);
            let reader = PlainReader::open(stored.as_slice(), stored.len() as u64, &r).unwrap();
            assert_eq!(reader.plain_len(), n as u64);
            assert_eq!(reader.read_all().unwrap(), plain, "{alg:?} {n}");
            if n > 10 {
                // A range straddling a boundary, the tail (a Parquet footer), the head.
                let mid = n as u64 / 2;
                assert_eq!(reader.read(mid - 5, mid + 5).unwrap(), &plain[mid as usize - 5..mid as usize + 5]);
                assert_eq!(reader.read(n as u64 - 8, n as u64).unwrap(), &plain[n - 8..]);
                assert_eq!(reader.read(0, 4).unwrap(), &plain[..4]);
            }
            // The plaintext never appears in the stored bytes.
            if n >= 64 {
                assert!(!stored.windows(32).any(|w| w == &plain[16..48]));
            }
        }
    }
}

#[test]
fn any_altered_byte_is_detected() {
    let r = ring(Algorithm::Sm4Gcm);
    let plain = data(140_000);
    let stored = encrypt(&r, &plain);
    // Every header byte, and a sample of body bytes in each segment.
    let positions: Vec<usize> =
        (0..HEADER_LEN).chain((HEADER_LEN..stored.len()).step_by(4099)).chain([stored.len() - 1]).collect();
    for i in positions {
        let mut bad = stored.clone();
        bad[i] ^= 0x40;
        let result = PlainReader::open(bad.as_slice(), bad.len() as u64, &r).and_then(|rd| rd.read_all());
        assert!(result.is_err(), "byte {i} altered unnoticed");
    }
}

#[test]
fn truncation_reordering_and_swaps_are_detected() {
    let r = ring(Algorithm::Aes256Gcm);
    let plain = data(3 * 65_536 + 10);
    let stored = encrypt(&r, &plain);
    let seg = 65_536 + 16;
    // Cut at a segment boundary: the new last segment was not sealed as last.
    let cut = &stored[..HEADER_LEN + 2 * seg];
    let e = PlainReader::open(cut, cut.len() as u64, &r).and_then(|rd| rd.read_all()).unwrap_err();
    assert_eq!(e, CryptoError::Tampered);
    // Cut inside the last segment.
    let cut = &stored[..stored.len() - 3];
    assert!(PlainReader::open(cut, cut.len() as u64, &r).and_then(|rd| rd.read_all()).is_err());
    // Two segments swapped.
    let mut swapped = stored.clone();
    let (a, b) = (HEADER_LEN, HEADER_LEN + seg);
    let first = stored[a..a + seg].to_vec();
    swapped.copy_within(b..b + seg, a);
    swapped[b..b + seg].copy_from_slice(&first);
    assert!(PlainReader::open(swapped.as_slice(), swapped.len() as u64, &r).and_then(|rd| rd.read_all()).is_err());
    // Another file's header (same key, other salt) on this body.
    let other = encrypt(&r, &plain);
    let mut mixed = other[..HEADER_LEN].to_vec();
    mixed.extend_from_slice(&stored[HEADER_LEN..]);
    assert!(PlainReader::open(mixed.as_slice(), mixed.len() as u64, &r).and_then(|rd| rd.read_all()).is_err());
}

#[test]
fn a_shredded_key_makes_the_file_unreadable() {
    let r = ring(Algorithm::Sm4Gcm);
    let stored = encrypt(&r, b"secret rows");
    r.shred("t");
    let e = PlainReader::open(stored.as_slice(), stored.len() as u64, &r).unwrap_err();
    assert!(matches!(e, CryptoError::Destroyed(_)), "{e:?}");
}

#[test]
fn the_plaintext_streams_and_seeks() {
    use std::io::{Read, Seek, SeekFrom};
    for n in [0usize, 5, 65_536, 200_001] {
        let r = ring(Algorithm::Aes256Gcm);
        let plain = data(n);
        let stored = encrypt(&r, &plain);
        let reader = PlainReader::open(stored.as_slice(), stored.len() as u64, &r).unwrap();
        let mut s = PlainStream::new(reader);
        assert_eq!(s.plain_len(), n as u64);
        let mut all = Vec::new();
        // Small reads cross segment boundaries.
        let mut buf = [0u8; 1000];
        loop {
            let k = s.read(&mut buf).unwrap();
            if k == 0 {
                break;
            }
            all.extend_from_slice(&buf[..k]);
        }
        assert_eq!(all, plain);
        if n > 100 {
            assert_eq!(s.seek(SeekFrom::End(-10)).unwrap(), n as u64 - 10);
            let mut tail = Vec::new();
            s.read_to_end(&mut tail).unwrap();
            assert_eq!(tail, &plain[n - 10..]);
        }
        if n > 70_000 {
            // Back across a segment boundary.
            s.seek(SeekFrom::Start(65_530)).unwrap();
            let mut mid = [0u8; 12];
            s.read_exact(&mut mid).unwrap();
            assert_eq!(&mid, &plain[65_530..65_542]);
            s.seek(SeekFrom::Current(-12)).unwrap();
            s.read_exact(&mut mid).unwrap();
            assert_eq!(&mid, &plain[65_530..65_542]);
        }
        assert!(s.seek(SeekFrom::Current(-(n as i64) - 1)).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_range_reads_back(n in 0usize..300_000, a in 0usize..300_000, len in 0usize..140_000) {
        let r = ring(Algorithm::Sm4Gcm);
        let plain = data(n);
        let stored = encrypt(&r, &plain);
        let reader = PlainReader::open(stored.as_slice(), stored.len() as u64, &r).unwrap();
        let start = a.min(n);
        let end = (start + len).min(n);
        prop_assert_eq!(reader.read(start as u64, end as u64).unwrap(), &plain[start..end]);
    }
}
