//! Chinese word segmentation (jieba) as a tantivy tokenizer. Documents are cut in search mode
//! (a long word also yields the dictionary words inside it, so 执照 finds 营业执照); queries are
//! cut in the default mode into the units a user meant (营业执照 stays one unit). Both sides see
//! the same normalisation: full-width ASCII folded to half-width, lower case, and tokens without
//! a letter or digit (spaces, punctuation, emoji) dropped.
//!
//! Changing anything here changes what the index holds: bump [`crate::schema::SCHEMA_VERSION`].

use std::borrow::Cow;
use std::sync::OnceLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which the tokenizer is registered with the index.
pub(crate) const TOKENIZER: &str = "zs_jieba";

/// Longest token kept, in bytes; longer runs (a pasted hash, a base64 blob) are noise.
const MAX_TOKEN_BYTES: usize = 64;

/// The dictionary is loaded once per process (about 0.2 s) and shared by every index.
fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Fold full-width ASCII (ＡＢＣ１２３) and the ideographic space to their half-width forms.
pub(crate) fn normalize(text: &str) -> Cow<'_, str> {
    let wide = |c: char| ('\u{FF01}'..='\u{FF5E}').contains(&c) || c == '\u{3000}';
    if !text.chars().any(wide) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\u{3000}' => ' ',
                c if wide(c) => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                c => c,
            })
            .collect(),
    )
}

/// Cut `text` and call `sink` with each kept token, normalised.
fn cut(text: &str, search_mode: bool, mut sink: impl FnMut(String, usize, usize)) {
    let text = normalize(text);
    let words = if search_mode { jieba().cut_for_search(&text, false) } else { jieba().cut(&text, false) };
    for w in words {
        if w.word.len() > MAX_TOKEN_BYTES || !w.word.chars().any(char::is_alphanumeric) {
            continue;
        }
        sink(w.word.to_lowercase(), w.byte_start, w.byte_end);
    }
}

/// The units of a query: default-mode words, normalised, deduplicated, in order, at most
/// `max_units` of them taken from the first `max_chars` characters.
pub(crate) fn query_units(text: &str, max_chars: usize, max_units: usize) -> Vec<String> {
    let text = match text.char_indices().nth(max_chars) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    };
    let mut units: Vec<String> = Vec::new();
    cut(text, false, |word, _, _| {
        if units.len() < max_units && !units.contains(&word) {
            units.push(word);
        }
    });
    units
}

/// Whether a unit is a single Chinese character (的, 和, 与): such units are too common to be
/// required, so a query treats them as optional.
pub(crate) fn is_single_han(unit: &str) -> bool {
    let mut chars = unit.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_ascii())
}

/// The document-side tokenizer: jieba search mode over normalised text.
#[derive(Clone, Default)]
pub(crate) struct JiebaTokenizer {
    /// Tokens of the text being streamed, in reverse order (the stream pops from the end).
    buffer: Vec<Token>,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream<'a> {
        self.buffer.clear();
        let mut position = 0;
        cut(text, true, |word, from, to| {
            self.buffer.push(Token { offset_from: from, offset_to: to, position, text: word, position_length: 1 });
            position += 1;
        });
        self.buffer.reverse();
        JiebaTokenStream { pending: &mut self.buffer, current: Token::default() }
    }
}

/// Stream over the tokens of one text.
pub(crate) struct JiebaTokenStream<'a> {
    pending: &'a mut Vec<Token>,
    current: Token,
}

impl TokenStream for JiebaTokenStream<'_> {
    fn advance(&mut self) -> bool {
        match self.pending.pop() {
            Some(t) => {
                self.current = t;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_tokens(text: &str) -> Vec<String> {
        let mut t = JiebaTokenizer::default();
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while let Some(tok) = s.next() {
            out.push(tok.text.clone());
        }
        out
    }

    #[test]
    fn documents_are_cut_in_search_mode() {
        let t = doc_tokens("企业营业执照信息");
        for w in ["企业", "营业", "执照", "营业执照", "信息"] {
            assert!(t.contains(&w.to_owned()), "{w} missing from {t:?}");
        }
    }

    #[test]
    fn normalisation_and_noise() {
        assert_eq!(doc_tokens("ＩＤ_Number １２３"), ["id", "number", "123"]);
        assert_eq!(doc_tokens("\"*()😀 ，。"), Vec::<String>::new());
        assert_eq!(doc_tokens(""), Vec::<String>::new());
    }

    #[test]
    fn query_units_are_default_mode_and_bounded() {
        assert_eq!(query_units("营业执照", 100, 10), ["营业执照"]);
        assert_eq!(query_units("人口 人口 AND", 100, 10), ["人口", "and"]);
        assert_eq!(query_units(&"人口".repeat(1000), 100, 10), ["人口"]);
        assert_eq!(query_units("a b c d e", 100, 3), ["a", "b", "c"]);
        assert!(is_single_han("和") && !is_single_han("人口") && !is_single_han("a"));
    }
}
