//! The ledger through the real binary: `zhengshu audit verify` on a log and on a tampered copy,
//! and `zhengshu witness` processes on free ports cosigning a node's checkpoints k-of-n and
//! refusing a forked history.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use zs_ledger::note::{Signer, Verifier};
use zs_ledger::witness::{Publisher, WitnessPeer};
use zs_ledger::{HashProfile, Ledger};

const BIN: &str = env!("CARGO_BIN_EXE_zhengshu");
const ORIGIN: &str = "zhengshu.test/ledger";

fn entry(i: u64) -> Vec<u8> {
    format!(r#"{{"action":"share.deliver","target":"grant:{i}","rows":{i},"digest":"{:064x}"}}"#, i * 31).into_bytes()
}

/// A witness process; killed on drop.
struct WitnessProc {
    child: Child,
    url: String,
    key: Verifier,
}

impl Drop for WitnessProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(dir: &Path, name: &str, log_vkey: &str) -> WitnessProc {
    let mut child = Command::new(BIN)
        .args(["witness", "--listen", "127.0.0.1:0", "--name", name, "--log", log_vkey])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut key, mut url) = (None, None);
    let mut line = String::new();
    while url.is_none() {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "witness exited early");
        if let Some(k) = line.strip_prefix("witness key ") {
            key = Some(Verifier::from_key_string(k.trim()).unwrap());
        }
        if let Some(u) = line.strip_prefix("listening on ") {
            url = Some(u.trim().to_owned());
        }
    }
    WitnessProc { child, url: url.unwrap(), key: key.unwrap() }
}

fn verify_cmd(dir: &Path, extra: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(["audit", "verify"]).arg(dir).args(extra).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn witnesses_cosign_k_of_n_and_refuse_a_fork_and_verify_checks_it_all() {
    let tmp = tempfile::tempdir().unwrap();
    // Keys made by the CLI: the secret file is private, the .pub file holds the verifier key.
    let out = Command::new(BIN)
        .args(["audit", "keygen", "--name", ORIGIN, "--out"])
        .arg(tmp.path().join("node"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let vkey = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let secret = std::fs::read_to_string(tmp.path().join("node.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(tmp.path().join("node.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the secret key file must be private");
    }
    let signer = || Signer::from_key_string(&secret).unwrap();

    let log_dir = tmp.path().join("ledger");
    let mut ledger = Ledger::create(&log_dir, ORIGIN, HashProfile::Sm3, signer()).unwrap();
    ledger.append_batch(&(0..10).map(entry).collect::<Vec<_>>()).unwrap();
    let ledger = Arc::new(Mutex::new(ledger));

    let w: Vec<WitnessProc> =
        (0..3).map(|i| start_witness(&tmp.path().join(format!("w{i}")), &format!("witness{i}.test"), &vkey)).collect();
    let peers: Vec<WitnessPeer> = w.iter().map(|p| WitnessPeer { url: p.url.clone(), key: p.key.clone() }).collect();
    let publisher = Publisher::new(peers.clone(), 2);

    // First publication (trust on first use), then two extensions with consistency proofs.
    let n = publisher.publish(&ledger).await.unwrap();
    assert_eq!(n.signatures.len(), 4, "log signature + 3 cosignatures");
    for round in 1..=2u64 {
        ledger.lock().unwrap().append_batch(&(10 * round..10 * round + 10).map(entry).collect::<Vec<_>>()).unwrap();
        let n = publisher.publish(&ledger).await.unwrap();
        assert_eq!(n.signatures.len(), 4);
    }
    assert_eq!(ledger.lock().unwrap().size(), 30);

    // A fresh publisher (node restarted, knows nothing) learns each witness's size from the 409.
    let again = Publisher::new(peers.clone(), 3);
    ledger.lock().unwrap().append_batch(&[entry(30)]).unwrap();
    again.publish(&ledger).await.unwrap();

    // The CLI verifies the log, its history and the published checkpoint with 3 witness keys.
    let wkeys: Vec<String> = w.iter().map(|p| p.key.to_key_string()).collect();
    let mut args = vec!["--key", vkey.as_str(), "--quorum", "3"];
    for k in &wkeys {
        args.push("--witness-key");
        args.push(k);
    }
    let (ok, text) = verify_cmd(&log_dir, &args);
    assert!(ok, "{text}");
    assert!(text.contains("checked    31 entries"), "{text}");

    // A fork: the same key signs a different history of the same size (31) → refused with 409;
    // a larger tree that does not extend the cosigned one → refused with 422.
    let fork_dir = tmp.path().join("fork");
    let mut fork = Ledger::create(&fork_dir, ORIGIN, HashProfile::Sm3, signer()).unwrap();
    fork.append_batch(&(100..131).map(entry).collect::<Vec<_>>()).unwrap();
    let fork = Arc::new(Mutex::new(fork));
    let forker = Publisher::new(peers.clone(), 1);
    let err = forker.publish(&fork).await.unwrap_err().to_string();
    assert!(err.contains("0 of 1"), "{err}");
    assert!(err.contains("409") && err.contains("fork"), "{err}");
    fork.lock().unwrap().append_batch(&(131..140).map(entry).collect::<Vec<_>>()).unwrap();
    let err = forker.publish(&fork).await.unwrap_err().to_string();
    assert!(err.contains("422"), "{err}");

    // One witness down: 2-of-3 still publishes, 3-of-3 does not.
    let mut w = w;
    drop(w.remove(0));
    ledger.lock().unwrap().append_batch(&[entry(31)]).unwrap();
    let e = Publisher::new(peers.clone(), 3).publish(&ledger).await.unwrap_err().to_string();
    assert!(e.contains("2 of 3"), "{e}");
    Publisher::new(peers, 2).publish(&ledger).await.unwrap();

    // A copy altered by one byte fails verification and names the entry.
    let copy = tmp.path().join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    for f in std::fs::read_dir(&log_dir).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), copy.join(f.file_name())).unwrap();
    }
    let mut bytes = std::fs::read(copy.join("entries.bin")).unwrap();
    let pos = bytes.windows(8).position(|w| w == b"grant:7\"").unwrap();
    bytes[pos + 6] = b'8';
    std::fs::write(copy.join("entries.bin"), bytes).unwrap();
    let (ok, text) = verify_cmd(&copy, &["--key", vkey.as_str()]);
    assert!(!ok, "{text}");
    assert!(text.contains("first bad entry: 7"), "{text}");
}
