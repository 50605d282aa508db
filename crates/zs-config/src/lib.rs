//! One configuration for the server. Layers, lowest first: built-in defaults < TOML file <
//! `ZS_*` environment variables < command-line flags. Every field is declared once below with its
//! documentation and default; `zhengshu config example` prints the generated, commented example.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zs_types::Error;

/// Current configuration format version.
pub const CONFIG_VERSION: i64 = 1;

macro_rules! config {
    ($( $(#[doc = $doc:literal])+ $field:ident : $ty:ty = $default:expr ;)+) => {
        /// The server configuration. See `zhengshu config example` for every field.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Config {
            $( $(#[doc = $doc])+ pub $field: $ty, )+
        }

        impl Default for Config {
            fn default() -> Self {
                Self { $( $field: $default, )+ }
            }
        }

        /// (name, documentation, default as TOML) of every field, in declaration order.
        pub fn fields() -> Vec<(&'static str, String, Option<String>)> {
            let d = Config::default();
            vec![$(
                (stringify!($field), concat!($($doc, "\n"),+).to_owned(), toml_value(&d.$field)),
            )+]
        }
    };
}

fn toml_value<T: Serialize>(v: &T) -> Option<String> {
    toml::Value::try_from(v).ok().map(|v| v.to_string())
}

config! {
    /// Format version of this file.
    version: i64 = CONFIG_VERSION;
    /// `production` (the default; no generated passwords survive first login) or `demo`
    /// (demo banner in the portal, demo passwords need not be changed).
    mode: Mode = Mode::Production;
    /// Address and port to listen on.
    listen: String = "127.0.0.1:8080".to_owned();
    /// Directory for the embedded database, resource data and keys.
    data_dir: PathBuf = PathBuf::from("zhengshu-data");
    /// Metadata store: `sqlite://PATH` or `postgres://user@host/db`. Empty: SQLite file
    /// `meta.db` in the data directory.
    database_url: String = String::new();
    /// Public base URL, e.g. `https://data.xining.gov.cn`. With https, cookies are marked Secure.
    public_url: String = String::new();
    /// PEM certificate chain for TLS. Empty (with `tls_key` empty): plain HTTP, e.g. behind a
    /// reverse proxy that terminates TLS.
    tls_cert: PathBuf = PathBuf::new();
    /// PEM private key for TLS.
    tls_key: PathBuf = PathBuf::new();
    /// Encrypt at rest (静态加密): resource data files and the secrets in the metadata store
    /// (pull and live source connections, delivery targets, webhook secrets), each resource under
    /// its own data key wrapped by the master key. Switching it off leaves existing encrypted
    /// data unreadable until it is switched on again.
    encryption: bool = true;
    /// Cipher of new data keys: `sm4-gcm` (national cryptography, the default) or `aes-256-gcm`.
    encryption_cipher: String = "sm4-gcm".to_owned();
    /// File holding the master key(s) (主密钥; 64 hex digits a line, the first current; see
    /// docs/encryption.md). Empty: in demo mode `<data_dir>/keys/master.key`, made on first
    /// start; in production a master key source must be given here or in `master_key_env`
    /// (`zhengshu keys init FILE` makes one).
    master_key_file: PathBuf = PathBuf::new();
    /// Name of an environment variable holding the master key(s) instead of a file, e.g.
    /// `ZHENGSHU_MASTER_KEY` (keys separated by commas). Takes precedence over the file.
    master_key_env: String = String::new();
    /// Largest accepted request body in bytes.
    max_body_bytes: u64 = 2 * 1024 * 1024;
    /// Largest accepted data upload or pushed batch in bytes (streamed to disk, not held in memory).
    max_upload_bytes: u64 = 1024 * 1024 * 1024;
    /// Where resource tables (versioned Parquet data) are kept: `local` (the default: the folder
    /// `tables` in the data directory) or `s3` (an S3-compatible bucket, set below). S3
    /// credentials are never put here: they come from the environment (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, optionally `AWS_SESSION_TOKEN`).
    tables_store: String = "local".to_owned();
    /// S3 bucket of the resource tables (with `tables_store = "s3"`).
    tables_s3_bucket: String = String::new();
    /// Endpoint URL of an S3-compatible service, e.g. `https://oss.example.gov.cn`; empty: AWS.
    /// The service must support conditional writes (`If-None-Match: *`), the commit point.
    tables_s3_endpoint: String = String::new();
    /// Region of the bucket; empty: `us-east-1` (what most S3-compatible services accept).
    tables_s3_region: String = String::new();
    /// Key prefix under which each resource table has its folder.
    tables_s3_prefix: String = "zhengshu/tables".to_owned();
    /// Allow a plain `http://` endpoint (a service on the same host or a trusted network only).
    tables_s3_allow_http: bool = false;
    /// Hand-in jobs run at the same time.
    ingest_workers: u64 = 2;
    /// Versions of each resource table kept by compaction after a hand-in, unless the resource
    /// sets its own; 0 keeps every version.
    keep_versions: u64 = 0;
    /// GB/T 43697-2024 data category (数据分类分级: `general` 一般, `important` 重要, `core` 核心)
    /// of each security level L1, L2, L3, L4, in that order; never lower for a higher level.
    classification_categories: Vec<String> =
        vec!["general".to_owned(), "general".to_owned(), "important".to_owned(), "core".to_owned()];
    /// Working days a providing department has to answer an application for conditionally
    /// shared data (有条件共享); after that it is overdue and escalates to the platform operator.
    share_review_working_days: u64 = 5;
    /// Working days a provider department has to answer a demand routed to it (供需对接).
    share_demand_working_days: u64 = 5;
    /// Let webhooks and database deliveries reach loopback addresses (127.0.0.0/8, ::1): only for
    /// a single-host setup where consumer systems run beside the platform. Link-local
    /// (169.254.0.0/16, cloud metadata), unspecified, multicast and broadcast addresses are always
    /// refused.
    egress_allow_loopback: bool = false;
    /// Networks webhooks and database deliveries must never reach, in CIDR form (e.g.
    /// `["10.8.0.0/16"]` for the platform's own servers); private networks are otherwise allowed,
    /// as department systems live on the government network.
    egress_denied_networks: Vec<String> = Vec::new();
    /// The client address recorded with each request is the last one in `X-Forwarded-For` (set
    /// by the reverse proxy in front) rather than the connection's peer. Only behind a proxy
    /// that overwrites that header; otherwise a caller could claim any address.
    trust_forwarded_for: bool = false;
    /// Anomaly detection (异常监测) over the audit trail: evaluate the rules continuously.
    anomaly_enabled: bool = true;
    /// Seconds between two reads of new audit records by the detector.
    anomaly_interval_seconds: u64 = 5;
    /// Volume rule: rows through a grant in the last hour above this many times the consumer's
    /// own average hour (over `anomaly_baseline_days`) raise an alert …
    anomaly_volume_factor: f64 = 10.0;
    /// … if they are also at least this many rows.
    anomaly_volume_min_rows: u64 = 5000;
    /// Days of history the volume baseline is taken from; a consumer with fewer than 3 active
    /// hours in them has no baseline yet (only the other rules apply).
    anomaly_baseline_days: u64 = 7;
    /// Working hours (Beijing time, Monday to Friday), e.g. `08:00-20:00`.
    anomaly_working_hours: String = "08:00-20:00".to_owned();
    /// Off-hours rule: rows through a grant within one hour outside working hours that raise an alert.
    anomaly_off_hours_rows: u64 = 1000;
    /// Enumeration rule: lookups by key through one grant within 10 minutes that are enough to
    /// judge; the alert is raised when at least half of them are sequential keys or at least
    /// 30 % find nothing (guessing), or when this many pages are walked through a listing without filters.
    anomaly_enumeration_calls: u64 = 100;
    /// Denial rule: refused requests (authorisation denials, refused data-API calls, failed
    /// logins) by one account or address within 5 minutes that raise an alert.
    anomaly_denial_burst: u64 = 20;
    /// Unusual-address rule: an API credential used this many times or more from known networks
    /// (IPv4 /24, IPv6 /64) raises an alert when it is used from a new one.
    anomaly_address_min_calls: u64 = 20;
    /// Suspend automatically on critical alerts (revoke the credential used, or the grant when no
    /// credential was used); security administrators still review the alert.
    anomaly_auto_suspend: bool = false;
    /// Minutes a login session lasts.
    session_ttl_minutes: i64 = 480;
    /// Failed logins before an account is locked.
    max_failed_logins: i64 = 5;
    /// First lockout in seconds; doubles with every further failure, at most one hour.
    lockout_base_seconds: i64 = 60;
    /// Log filter, e.g. `info` or `zs_http=debug,info`.
    log_level: String = "info".to_owned();
    /// Log format: `text` or `json`.
    log_format: String = "text".to_owned();
}

/// Production or demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Real use.
    Production,
    /// Demonstration with generated data and relaxed password rules.
    Demo,
}

impl Config {
    /// Build from the layers. `env` is the process environment (only `ZS_<FIELD>` names are
    /// read); `flags` are `(field, value)` pairs from the command line. Values from env and flags
    /// are read as TOML values when they parse as such (numbers, booleans), else as strings.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        flags: &[(String, String)],
    ) -> Result<Self, Error> {
        let mut table = toml::Table::try_from(Config::default()).map_err(|e| Error::internal(e.to_string()))?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::invalid("config", format!("cannot read config file {}: {e}", path.display())))?;
            let file_table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                Error::invalid("config", format!("{}: {}", path.display(), e.message()))
            })?;
            if let Some(v) = file_table.get("version").and_then(toml::Value::as_integer) {
                if v != CONFIG_VERSION {
                    return Err(Error::invalid(
                        "version",
                        format!("config version {v} is not supported (expected {CONFIG_VERSION})"),
                    ));
                }
            }
            table.extend(file_table);
        }
        let names: Vec<&str> = fields().iter().map(|f| f.0).collect();
        for (k, v) in env {
            if let Some(field) = k.strip_prefix("ZS_").map(str::to_ascii_lowercase) {
                if names.contains(&field.as_str()) {
                    table.insert(field, parse_value(&v));
                }
            }
        }
        for (k, v) in flags {
            if !names.contains(&k.as_str()) {
                return Err(Error::invalid(k, format!("unknown setting '{k}'; see `zhengshu config example`")));
            }
            table.insert(k.clone(), parse_value(v));
        }
        let cfg: Config = match toml::Value::Table(table.clone()).try_into() {
            Ok(c) => c,
            Err(e) => return Err(name_bad_field(&table, &e)),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), Error> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(Error::invalid("listen", format!("'{}' is not an address:port", self.listen)));
        }
        if self.tls_cert.as_os_str().is_empty() != self.tls_key.as_os_str().is_empty() {
            return Err(Error::invalid("tls_cert", "set both tls_cert and tls_key, or neither"));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(Error::invalid("log_format", "log_format must be 'text' or 'json'"));
        }
        if self.max_body_bytes < 1024 {
            return Err(Error::invalid("max_body_bytes", "max_body_bytes must be at least 1024"));
        }
        const CATEGORIES: [&str; 3] = ["general", "important", "core"];
        let rank = |c: &String| CATEGORIES.iter().position(|k| k == c);
        let ranks: Vec<Option<usize>> = self.classification_categories.iter().map(rank).collect();
        if ranks.len() != 4 || ranks.iter().any(Option::is_none) || ranks.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::invalid(
                "classification_categories",
                "classification_categories must name 4 categories (general, important or core) for L1..L4, never lower for a higher level",
            ));
        }
        if !(1..=60).contains(&self.share_review_working_days) {
            return Err(Error::invalid("share_review_working_days", "share_review_working_days must be 1-60"));
        }
        if !(1..=60).contains(&self.share_demand_working_days) {
            return Err(Error::invalid("share_demand_working_days", "share_demand_working_days must be 1-60"));
        }
        match self.tables_store.as_str() {
            "local" => {}
            "s3" => {
                if self.tables_s3_bucket.is_empty() {
                    return Err(Error::invalid("tables_s3_bucket", "tables_store = \"s3\" needs tables_s3_bucket"));
                }
                let e = &self.tables_s3_endpoint;
                if !(e.is_empty() || e.starts_with("https://") || e.starts_with("http://")) {
                    return Err(Error::invalid("tables_s3_endpoint", "tables_s3_endpoint must be an http(s):// URL"));
                }
                if e.starts_with("http://") && !self.tables_s3_allow_http {
                    return Err(Error::invalid(
                        "tables_s3_endpoint",
                        "tables_s3_endpoint is plain http: set tables_s3_allow_http = true to allow it",
                    ));
                }
            }
            other => {
                return Err(Error::invalid(
                    "tables_store",
                    format!("tables_store must be 'local' or 's3', not '{other}'"),
                ))
            }
        }
        if self.anomaly_interval_seconds == 0 || self.anomaly_interval_seconds > 3600 {
            return Err(Error::invalid("anomaly_interval_seconds", "anomaly_interval_seconds must be 1-3600"));
        }
        if self.anomaly_volume_factor.is_nan() || self.anomaly_volume_factor < 1.0 {
            return Err(Error::invalid("anomaly_volume_factor", "anomaly_volume_factor must be at least 1"));
        }
        if !(1..=90).contains(&self.anomaly_baseline_days) {
            return Err(Error::invalid("anomaly_baseline_days", "anomaly_baseline_days must be 1-90"));
        }
        if parse_hours(&self.anomaly_working_hours).is_none() {
            return Err(Error::invalid(
                "anomaly_working_hours",
                "anomaly_working_hours must be HH:MM-HH:MM with the start before the end, e.g. 08:00-20:00",
            ));
        }
        if self.anomaly_enumeration_calls < 2 || self.anomaly_denial_burst < 2 {
            return Err(Error::invalid(
                "anomaly_enumeration_calls",
                "anomaly_enumeration_calls and anomaly_denial_burst must be at least 2",
            ));
        }
        if !matches!(self.encryption_cipher.as_str(), "sm4-gcm" | "aes-256-gcm") {
            return Err(Error::invalid("encryption_cipher", "encryption_cipher must be 'sm4-gcm' or 'aes-256-gcm'"));
        }
        if self.session_ttl_minutes < 1 || self.max_failed_logins < 1 || self.lockout_base_seconds < 1 {
            return Err(Error::invalid("session_ttl_minutes", "session and lockout settings must be positive"));
        }
        Ok(())
    }

    /// The working hours as minutes after midnight `[start, end)`.
    pub fn working_minutes(&self) -> (u32, u32) {
        parse_hours(&self.anomaly_working_hours).unwrap_or((8 * 60, 20 * 60))
    }

    /// The metadata store URL in force.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("meta.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// Whether TLS is configured.
    pub fn tls(&self) -> bool {
        !self.tls_cert.as_os_str().is_empty()
    }

    /// Whether cookies must carry the Secure flag.
    pub fn secure_cookies(&self) -> bool {
        self.tls() || self.public_url.starts_with("https://")
    }

    /// The commented example file, generated from the field declarations.
    pub fn example() -> String {
        let mut out = String::from("# zhengshu configuration. Every setting can also be given as an environment\n# variable ZS_<NAME> (e.g. ZS_LISTEN) or a flag `--set name=value`; flags win over\n# the environment, which wins over this file.\n");
        for (name, doc, default) in fields() {
            out.push('\n');
            for line in doc.lines() {
                out.push_str(&format!("#{line}\n"));
            }
            out.push_str(&format!("{name} = {}\n", default.unwrap_or_else(|| "\"\"".into())));
        }
        out
    }
}

/// Find which single field makes deserialisation fail, so the message can name it.
fn name_bad_field(table: &toml::Table, whole: &toml::de::Error) -> Error {
    let defaults = toml::Table::try_from(Config::default()).unwrap_or_default();
    for (k, v) in table {
        let mut probe = defaults.clone();
        probe.insert(k.clone(), v.clone());
        if let Err(e) = toml::Value::Table(probe).try_into::<Config>() {
            return Error::invalid(k, format!("setting '{k}' is invalid: {}", e.message()));
        }
    }
    Error::invalid("config", format!("invalid configuration: {}", whole.message()))
}

/// An environment or flag value as TOML when it reads as a scalar or an array (list settings
/// such as `classification_categories`), else as a plain string (`[::1]:8080` is a string).
fn parse_value(v: &str) -> toml::Value {
    format!("x = {v}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("x"))
        .filter(|x| !x.is_table())
        .unwrap_or_else(|| toml::Value::String(v.to_owned()))
}

/// `HH:MM-HH:MM` as minutes after midnight, the start before the end.
fn parse_hours(s: &str) -> Option<(u32, u32)> {
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
    };
    let (a, b) = s.split_once('-')?;
    let (a, b) = (minutes(a)?, minutes(b)?);
    (a < b).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("c.toml");
        std::fs::write(&p, Config::example()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Config::load(Some(&p), [], &[]).ok(), Some(Config::default()));
        assert!(Config::example().contains("# Address and port to listen on."));
    }

    #[test]
    fn precedence_file_env_flags() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "listen = \"127.0.0.1:1111\"\nmax_failed_logins = 3\nmode = \"demo\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let env = [
            ("ZS_LISTEN".to_owned(), "127.0.0.1:2222".to_owned()),
            ("ZS_MAX_FAILED_LOGINS".into(), "4".into()),
            ("ZS_TEST_PG_URL".into(), "x".into()),
        ];
        let c = Config::load(Some(&p), env.clone(), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((c.listen.as_str(), c.max_failed_logins, c.mode), ("127.0.0.1:2222", 4, Mode::Demo));
        let c = Config::load(Some(&p), env, &[("listen".into(), "127.0.0.1:3333".into())])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen, "127.0.0.1:3333");
    }

    #[test]
    fn bad_settings_are_named() {
        let e = Config::load(None, [], &[("nope".into(), "1".into())]).err().map(|e| e.field);
        assert_eq!(e, Some(Some("nope".into())));
        let e = Config::load(None, [("ZS_LISTEN".into(), "not an address".into())], &[]).err().map(|e| e.field);
        assert_eq!(e, Some(Some("listen".into())));
        let e = Config::load(None, [("ZS_MAX_BODY_BYTES".into(), "many".into())], &[]).err();
        assert!(e.as_ref().is_some_and(|e| e.message.contains("max_body_bytes")), "{e:?}");
    }

    #[test]
    fn table_store_settings_checked() {
        assert_eq!(Config::default().tables_store, "local");
        let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        let ok = Config::load(
            None,
            env(&[
                ("ZS_TABLES_STORE", "s3"),
                ("ZS_TABLES_S3_BUCKET", "zs"),
                ("ZS_TABLES_S3_ENDPOINT", "http://127.0.0.1:9000"),
                ("ZS_TABLES_S3_ALLOW_HTTP", "true"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(
            (ok.tables_store.as_str(), ok.tables_s3_bucket.as_str(), ok.tables_s3_allow_http),
            ("s3", "zs", true)
        );
        let field = |pairs: &[(&str, &str)]| Config::load(None, env(pairs), &[]).err().and_then(|e| e.field);
        assert_eq!(field(&[("ZS_TABLES_STORE", "ftp")]), Some("tables_store".into()));
        assert_eq!(field(&[("ZS_TABLES_STORE", "s3")]), Some("tables_s3_bucket".into()));
        assert_eq!(
            field(&[("ZS_TABLES_STORE", "s3"), ("ZS_TABLES_S3_BUCKET", "b"), ("ZS_TABLES_S3_ENDPOINT", "127.0.0.1")]),
            Some("tables_s3_endpoint".into())
        );
        assert_eq!(
            field(&[
                ("ZS_TABLES_STORE", "s3"),
                ("ZS_TABLES_S3_BUCKET", "b"),
                ("ZS_TABLES_S3_ENDPOINT", "http://127.0.0.1:9000")
            ]),
            Some("tables_s3_endpoint".into())
        );
    }

    #[test]
    fn anomaly_settings_checked() {
        assert_eq!(Config::default().working_minutes(), (480, 1200));
        assert_eq!(parse_hours("07:30-24:00"), Some((450, 1440)));
        for bad in ["20:00-08:00", "8-20", "08:00-25:00", "08:61-20:00", ""] {
            assert!(parse_hours(bad).is_none(), "{bad}");
            let e = Config::load(None, [], &[("anomaly_working_hours".into(), bad.into())]).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("anomaly_working_hours"));
        }
        let e = Config::load(None, [], &[("anomaly_volume_factor".into(), "0.5".into())]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("anomaly_volume_factor"));
    }

    #[test]
    fn classification_categories_checked() {
        let d = Config::default();
        assert_eq!(d.classification_categories, ["general", "general", "important", "core"]);
        let ok = Config::load(
            None,
            [("ZS_CLASSIFICATION_CATEGORIES".into(), r#"["general","important","important","core"]"#.into())],
            &[],
        )
        .unwrap();
        assert_eq!(ok.classification_categories[1], "important");
        for bad in
            [r#"["general","core","important","core"]"#, r#"["general","general","core"]"#, r#"["a","b","c","d"]"#]
        {
            let e =
                Config::load(None, [("ZS_CLASSIFICATION_CATEGORIES".into(), bad.into())], &[]).err().map(|e| e.field);
            assert_eq!(e, Some(Some("classification_categories".into())), "{bad}");
        }
    }
}
