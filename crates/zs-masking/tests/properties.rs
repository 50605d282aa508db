//! Property tests: masked text never grows, keyed hashes have their declared length and depend
//! on the key, and masking is deterministic.
#![allow(missing_docs)]

use proptest::prelude::*;
use zs_masking::{AddressLevel, DatePart, HashEncoding, Masker, Technique};

fn length_bounded() -> impl Strategy<Value = Technique> {
    prop_oneof![
        Just(Technique::None),
        Just(Technique::Null),
        (0u16..20, 0u16..20).prop_map(|(first, last)| Technique::KeepEnds { first, last }),
        Just(Technique::Name),
        Just(Technique::Address { level: AddressLevel::District }),
        Just(Technique::Address { level: AddressLevel::Street }),
        Just(Technique::Date { keep: DatePart::Year }),
        Just(Technique::Date { keep: DatePart::Month }),
    ]
}

/// Text mixing Chinese address and name characters, digits, separators and anything else.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[张王欧阳司马青海省西宁市城东区县旗自治地街道镇路号·0-9 -]{0,40}",
        "[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}( [0-9]{2}:[0-9]{2})?",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn masked_text_never_grows(t in length_bounded(), s in text()) {
        let m = Masker::new(b"k");
        if let Some(out) = m.mask_str(&t, &s) {
            prop_assert!(out.chars().count() <= s.chars().count(), "{:?}: {:?} -> {:?}", t, s, out);
        }
    }

    #[test]
    fn masking_is_deterministic(t in length_bounded(), s in text()) {
        prop_assert_eq!(Masker::new(b"k").mask_str(&t, &s), Masker::new(b"k").mask_str(&t, &s));
    }

    #[test]
    fn keyed_hash_has_declared_length_and_depends_on_key(
        s in text(), length in 8u16..=43, hex in any::<bool>(), k1 in "[a-z]{8,32}", k2 in "[a-z]{8,32}",
    ) {
        prop_assume!(k1 != k2);
        let encoding = if hex { HashEncoding::Hex } else { HashEncoding::Base64url };
        let t = Technique::Hash { encoding, length };
        let a = Masker::new(k1.as_bytes()).mask_str(&t, &s).unwrap_or_default();
        let b = Masker::new(k2.as_bytes()).mask_str(&t, &s).unwrap_or_default();
        prop_assert_eq!(a.chars().count(), usize::from(length));
        prop_assert_ne!(a, b);
    }

    #[test]
    fn keep_ends_reveals_only_its_ends(s in "[0-9X]{0,24}", first in 0u16..8, last in 0u16..8) {
        let out = Masker::new(b"k").mask_str(&Technique::KeepEnds { first, last }, &s).unwrap_or_default();
        let n = s.chars().count();
        prop_assert_eq!(out.chars().count(), n);
        let hidden = out.chars().filter(|&c| c == '*').count();
        prop_assert!(hidden >= n.saturating_sub(usize::from(first + last)));
    }

    #[test]
    fn technique_json_round_trips(t in length_bounded()) {
        let json = serde_json::to_string(&t).unwrap_or_default();
        prop_assert_eq!(serde_json::from_str::<Technique>(&json).ok(), Some(t));
    }
}

#[test]
fn stable_json_form() {
    let t = Technique::KeepEnds { first: 6, last: 4 };
    assert_eq!(serde_json::to_string(&t).unwrap_or_default(), r#"{"kind":"keep_ends","first":6,"last":4}"#);
    let h: Technique =
        serde_json::from_str(r#"{"kind":"hash","encoding":"base64url","length":22}"#).unwrap_or(Technique::None);
    assert_eq!(h, Technique::Hash { encoding: HashEncoding::Base64url, length: 22 });
    let d: Technique = serde_json::from_str(r#"{"kind":"date","keep":"month"}"#).unwrap_or(Technique::None);
    assert_eq!(d, Technique::Date { keep: DatePart::Month });
    assert_eq!(serde_json::to_string(&Technique::Null).unwrap_or_default(), r#"{"kind":"null"}"#);
    assert!(serde_json::from_str::<Technique>(r#"{"kind":"keep_ends","first":6,"last":4,"x":1}"#).is_err());
}
