//! Languages of the portal: Simplified Chinese by default, English on request.
//!
//! The choice comes from the `zs_lang` cookie (`zh` or `en`, set by `/lang/{code}`) or, without
//! one, from `Accept-Language`. Every visible string is a key in the one static table
//! ([`TABLE`]) with both languages; a test checks that every key used by a template
//! or view exists there.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Name of the language cookie.
pub const LANG_COOKIE: &str = "zs_lang";

/// A portal language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The cookie and URL form: `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parse `zh` or `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The text of `key` in this language.
    pub fn t(self, key: &str) -> &'static str {
        t(self, key)
    }
}

/// Choose the language of a request: a valid `zs_lang` cookie wins; otherwise English when
/// `Accept-Language` ranks English above Chinese; otherwise Chinese.
pub fn choose(headers: &HeaderMap) -> Lang {
    if let Some(l) = crate::session::cookie(headers, LANG_COOKIE).as_deref().and_then(Lang::parse) {
        return l;
    }
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(from_accept_language)
        .unwrap_or_default()
}

/// The preferred of Chinese and English in an `Accept-Language` value (highest quality; on a tie
/// the one listed first; Chinese when neither is listed).
pub fn from_accept_language(value: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "zh" => Lang::Zh,
            "en" => Lang::En,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
            .next()
            .unwrap_or(1.0);
        if q <= 0.0 || !q.is_finite() {
            continue;
        }
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(choose(&parts.headers))
    }
}

fn index() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static INDEX: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    INDEX.get_or_init(|| TABLE.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect())
}

/// The text of `key` in `lang`. An unknown key is logged and shown as `?key?` so that it is
/// noticed (the key-coverage test keeps this from happening).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match index().get(key) {
        Some((zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => {
            tracing::warn!(key, "missing portal text");
            "?"
        }
    }
}

/// Whether the table has `key`.
pub fn has(key: &str) -> bool {
    index().contains_key(key)
}

/// The text of `key` with `{name}` placeholders replaced.
pub fn fill(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_owned();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

include!("i18n_table.rs");

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(cookie: Option<&str>, accept: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(c) = cookie {
            h.insert(axum::http::header::COOKIE, HeaderValue::from_str(c).unwrap());
        }
        if let Some(a) = accept {
            h.insert(axum::http::header::ACCEPT_LANGUAGE, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn default_is_chinese() {
        assert_eq!(choose(&headers(None, None)), Lang::Zh);
        assert_eq!(choose(&headers(None, Some("fr-FR,de;q=0.8"))), Lang::Zh);
        assert_eq!(choose(&headers(None, Some("*"))), Lang::Zh);
        assert_eq!(choose(&headers(None, Some(""))), Lang::Zh);
    }

    #[test]
    fn accept_language_preference() {
        assert_eq!(choose(&headers(None, Some("en-US,en;q=0.9"))), Lang::En);
        assert_eq!(choose(&headers(None, Some("en-US,en;q=0.9,zh-CN;q=0.8"))), Lang::En);
        assert_eq!(choose(&headers(None, Some("zh-CN,zh;q=0.9,en;q=0.8"))), Lang::Zh);
        assert_eq!(choose(&headers(None, Some("zh-CN;q=0.5, en;q=0.7"))), Lang::En);
        assert_eq!(choose(&headers(None, Some("fr, en;q=0.3"))), Lang::En);
        assert_eq!(choose(&headers(None, Some("EN-gb"))), Lang::En);
        assert_eq!(choose(&headers(None, Some("en;q=0, zh;q=0.1"))), Lang::Zh, "q=0 means not acceptable");
        assert_eq!(choose(&headers(None, Some("zh-TW, en"))), Lang::Zh, "tie: first listed wins");
        assert_eq!(choose(&headers(None, Some("en;q=abc"))), Lang::En, "bad q counts as 1");
    }

    #[test]
    fn cookie_wins_over_accept_language() {
        assert_eq!(choose(&headers(Some("zs_lang=en"), Some("zh-CN"))), Lang::En);
        assert_eq!(choose(&headers(Some("a=b; zs_lang=zh"), Some("en-US"))), Lang::Zh);
        // An invalid cookie is ignored.
        assert_eq!(choose(&headers(Some("zs_lang=fr"), Some("en-US"))), Lang::En);
        assert_eq!(choose(&headers(Some("zs_lang=fr"), None)), Lang::Zh);
    }

    #[test]
    fn every_key_has_both_languages_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for (key, zh, en) in TABLE {
            assert!(seen.insert(*key), "duplicate key {key}");
            assert!(!zh.trim().is_empty(), "{key} lacks Chinese");
            assert!(!en.trim().is_empty(), "{key} lacks English");
            // Placeholders must match between the languages.
            let ph = |s: &str| {
                let mut v: Vec<String> =
                    s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|x| x.0.to_owned())).collect();
                v.sort();
                v
            };
            assert_eq!(ph(zh), ph(en), "placeholders differ in {key}");
        }
    }

    #[test]
    fn every_error_code_has_a_message() {
        for code in zs_types::ErrorCode::ALL {
            let key = format!("err.{}", code.as_str());
            assert!(has(&key), "missing {key}");
        }
    }

    /// Every key that a template (`t("…")`) or a view (a string literal with a table prefix) uses
    /// exists in the table.
    #[test]
    fn every_used_key_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        let mut files = Vec::new();
        for dir in ["templates", "src", "src/views"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = entry.unwrap().path();
                if p.is_file() && !p.ends_with("i18n_table.rs") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 10);
        let prefixes: std::collections::HashSet<&str> =
            TABLE.iter().filter_map(|(k, _, _)| k.split('.').next()).collect();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // Every text between two consecutive quotes is a candidate (robust to odd quoting).
            let quotes: Vec<usize> = text.match_indices('"').map(|(i, _)| i).collect();
            for w in quotes.windows(2) {
                let lit = &text[w[0] + 1..w[1]];
                let looks_like_key = lit.contains('.')
                    && lit.split('.').all(|s| {
                        !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    })
                    && lit.split('.').next().is_some_and(|p| prefixes.contains(p));
                let is_file = [".html", ".css", ".js", ".svg"].iter().any(|ext| lit.ends_with(ext));
                let is_action = zs_identity::policy::ACTIONS.iter().any(|(n, _)| *n == lit);
                if looks_like_key && !is_file && !is_action && !has(lit) {
                    missing.push(format!("{}: {lit}", f.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from the table: {missing:#?}");
    }

    #[test]
    fn fill_replaces_placeholders() {
        assert_eq!(
            fill(Lang::En, "login.locked_wait", &[("secs", "42")]),
            "Too many failed logins. Try again in 42 seconds."
        );
        assert!(fill(Lang::Zh, "login.locked_wait", &[("secs", "42")]).contains("42"));
    }
}
