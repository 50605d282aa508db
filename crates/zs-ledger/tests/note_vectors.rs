//! Signed notes, SM2 and Ed25519 against public vectors (tests/vectors/crypto_kat.json),
//! and round trips of the ledger's own key and checkpoint formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use zs_ledger::note::{Algorithm, Checkpoint, Note, Role, Signer, Verifier, SM2_USER_ID};
use zs_ledger::HashProfile;

fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

#[test]
fn signed_note_examples() {
    let kat = common::vectors("crypto_kat.json");
    let sn = &kat["signed_note"];
    let text = s(sn, "text");
    // Signing with PeterNeumann's key reproduces the published signature line (Ed25519 is deterministic).
    let peter = Signer::from_key_string(s(sn, "peter_signer_key")).unwrap();
    assert_eq!(peter.key_id(), 0xc74f20a3);
    assert_eq!(peter.sign_text(text).line(), s(sn, "peter_sig_line"));
    assert_eq!(peter.verifier().to_key_string(), s(sn, "peter_vkey"));
    // Both published signatures verify with the published verifier keys.
    let pv = Verifier::from_key_string(s(sn, "peter_vkey")).unwrap();
    let ev = Verifier::from_key_string(s(sn, "enoch_vkey")).unwrap();
    let note_str = format!("{text}\n{}{}", s(sn, "peter_sig_line"), s(sn, "enoch_sig_line"));
    let note = Note::parse(&note_str).unwrap();
    assert_eq!(note.to_string(), note_str);
    assert_eq!(note.verify(&[pv.clone(), ev.clone()]).unwrap(), vec!["PeterNeumann", "EnochRoot"]);
    assert_eq!(note.verify(std::slice::from_ref(&ev)).unwrap(), vec!["EnochRoot"]);
    // An altered text fails; an unknown key alone is not enough.
    let altered = note_str.replacen("cryptography", "Cryptography", 1);
    assert!(Note::parse(&altered).unwrap().verify(&[pv]).is_err());
    let stranger = Signer::generate("Stranger", Algorithm::Ed25519, Role::Note).unwrap().verifier();
    assert!(note.verify(&[stranger]).is_err());
    // The sum.golang.org checkpoint.
    let cv = Verifier::from_key_string(s(sn, "checkpoint_vkey")).unwrap();
    let (cp, _) = Checkpoint::open(s(sn, "checkpoint"), &cv).unwrap();
    assert_eq!(cp.origin, s(sn, "checkpoint_origin"));
    assert_eq!(cp.size, sn["checkpoint_size"].as_u64().unwrap());
    assert_eq!(cp.text(), s(sn, "checkpoint").split("\n\n").next().unwrap().to_owned() + "\n");
}

#[test]
fn ed25519_rfc8032() {
    let kat = common::vectors("crypto_kat.json");
    for c in kat["ed25519"]["cases"].as_array().unwrap() {
        let seed: [u8; 32] = hex::decode(s(c, "seed")).unwrap().try_into().unwrap();
        let k = ed25519_dalek::SigningKey::from_bytes(&seed);
        assert_eq!(hex::encode(k.verifying_key().to_bytes()), s(c, "pub"));
        use ed25519_dalek::Signer as _;
        let sig = k.sign(&hex::decode(s(c, "msg")).unwrap());
        assert_eq!(hex::encode(sig.to_bytes()), s(c, "sig"));
        // And through the note key format: a signer string built from the seed signs the same way.
        let mut raw = vec![0x01];
        raw.extend_from_slice(&seed);
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
        let pk = k.verifying_key().to_bytes();
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(b"rfc8032\n\x01");
        h.update(pk);
        let id = &h.finalize()[..4];
        let signer = Signer::from_key_string(&format!("PRIVATE+KEY+rfc8032+{}+{b64}", hex::encode(id))).unwrap();
        assert_eq!(signer.verifier().algorithm(), Algorithm::Ed25519);
    }
}

fn za(uid: &str, a: &str, b: &str, gx: &str, gy: &str, px: &str, py: &str) -> [u8; 32] {
    let entl = ((uid.len() * 8) as u16).to_be_bytes();
    let parts: Vec<Vec<u8>> = [a, b, gx, gy, px, py].iter().map(|h| hex::decode(h).unwrap()).collect::<Vec<_>>();
    let mut all: Vec<&[u8]> = vec![&entl, uid.as_bytes()];
    all.extend(parts.iter().map(|p| p.as_slice()));
    HashProfile::Sm3.digest(&all)
}

#[test]
fn sm2_standard_examples() {
    let kat = common::vectors("crypto_kat.json");
    let cases = kat["sm2"]["cases"].as_array().unwrap();
    // Case 1: sm2p256v1, default user ID: public key from d, Z_A, e, and the published (r, s) verifies.
    let c = &cases[0];
    assert_eq!(s(c, "uid_ascii"), SM2_USER_ID);
    let d = hex::decode(s(c, "d")).unwrap();
    let sk = sm2::dsa::SigningKey::from_slice(SM2_USER_ID, &d).unwrap();
    let vk = sk.verifying_key();
    let sec1 = vk.to_sec1_bytes();
    assert_eq!(hex::encode_upper(&sec1[1..33]), s(c, "pub_x"));
    assert_eq!(hex::encode_upper(&sec1[33..65]), s(c, "pub_y"));
    let z = za(
        SM2_USER_ID,
        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
        "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
        "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
        "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
        s(c, "pub_x"),
        s(c, "pub_y"),
    );
    assert_eq!(hex::encode_upper(z), s(c, "za"));
    let e = HashProfile::Sm3.digest(&[&z, s(c, "msg_ascii").as_bytes()]);
    assert_eq!(hex::encode_upper(e), s(c, "e"));
    let sig = sm2::dsa::Signature::from_scalars(
        <[u8; 32]>::try_from(hex::decode(s(c, "r")).unwrap()).unwrap(),
        <[u8; 32]>::try_from(hex::decode(s(c, "s")).unwrap()).unwrap(),
    )
    .unwrap();
    use sm2::dsa::signature::Verifier as _;
    vk.verify(s(c, "msg_ascii").as_bytes(), &sig).unwrap();
    assert!(vk.verify(b"message digesT", &sig).is_err());
    let other_id = sm2::dsa::VerifyingKey::from_sec1_bytes("ALICE123@YAHOO.COM", &sec1).unwrap();
    assert!(other_id.verify(s(c, "msg_ascii").as_bytes(), &sig).is_err(), "a wrong user ID must fail");
    // Case 2 is on the standard's 256-bit *test* curve, which the sm2 crate does not implement: check
    // its Z_A and e (the SM3 part of the algorithm) only.
    let c = &cases[1];
    let cv = &c["curve"];
    let z = za(s(c, "uid_ascii"), s(cv, "a"), s(cv, "b"), s(cv, "gx"), s(cv, "gy"), s(c, "pub_x"), s(c, "pub_y"));
    assert_eq!(hex::encode_upper(z), s(c, "za"));
    let e = HashProfile::Sm3.digest(&[&z, s(c, "msg_ascii").as_bytes()]);
    assert_eq!(hex::encode_upper(e), s(c, "e"));
}

#[test]
fn own_keys_checkpoints_and_cosignatures_round_trip() {
    for alg in [Algorithm::Sm2, Algorithm::Ed25519] {
        let log = Signer::generate("zhengshu.example/log", alg, Role::Note).unwrap();
        let again = Signer::from_key_string(&log.to_key_string()).unwrap();
        assert_eq!(again.verifier().to_key_string(), log.verifier().to_key_string());
        assert!(!format!("{log:?}").contains(&log.to_key_string()[20..]), "Debug must hide the secret");
        let vk = Verifier::from_key_string(&log.verifier().to_key_string()).unwrap();
        let cp = Checkpoint {
            origin: "zhengshu.example/log".into(),
            size: 42,
            root: HashProfile::Sm3.digest(&[b"x"]),
            extensions: vec!["time 2026-11-29T17:00:00Z".into()],
        };
        let note = cp.sign(&log, 0).to_string();
        let (back, _) = Checkpoint::open(&note, &vk).unwrap();
        assert_eq!(back, cp);
        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert!(Checkpoint::open(&forged, &vk).is_err());
        // A witness cosignature over the checkpoint text.
        let w = Signer::generate("witness.example/audit", alg, Role::Cosigner).unwrap();
        let wv = Verifier::from_key_string(&w.verifier().to_key_string()).unwrap();
        let mut n = Note::parse(&note).unwrap();
        n.add_signature(w.cosign(&n.text, 1_800_000_000));
        let n2 = Note::parse(&n.to_string()).unwrap();
        assert_eq!(n2.verify(&[vk.clone(), wv.clone()]).unwrap().len(), 2);
        assert_eq!(wv.verify(&n2.text, &n2.signatures[1]).unwrap(), Some(1_800_000_000));
        // A cosignature is not a note signature and vice versa.
        assert!(vk.verify(&n2.text, &n2.signatures[1]).is_err());
    }
}
