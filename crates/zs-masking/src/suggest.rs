//! A proposed technique for a catalogue data item, from its security level, type and
//! name/label; the reviewer of a grant can change it.

use zs_catalog::{DataItem, DataType, SecurityLevel};

use crate::technique::{AddressLevel, DatePart, HashEncoding, Technique, MAX_HASH_LENGTH};

fn has(item: &DataItem, labels: &[&str], names: &[&str]) -> bool {
    let name = item.name.to_ascii_lowercase();
    labels.iter().any(|l| item.label.contains(l))
        || names.iter().any(|n| name == *n || name.ends_with(&format!("_{n}")))
}

/// A keyed hash that fits the item (16 hex characters, shorter if the item is shorter).
fn hash_for(item: &DataItem) -> Technique {
    let max = item.length.map_or(16, |l| l.min(u32::from(MAX_HASH_LENGTH)) as u16).clamp(1, 16);
    Technique::Hash {
        encoding: HashEncoding::Hex,
        length: if item.data_type == DataType::Integer { max.min(18) } else { max },
    }
}

/// Propose a technique: L1 items are shown as they are; L4 items are nulled (key items and
/// identifiers get a keyed hash, so joins still work); L2 and L3 items are masked by what they
/// hold — 身份证号码 keep 6+4, 手机/电话 keep 3+4, 姓名 by name, 地址 to the district (L3) or
/// street (L2), 出生日期 to the year; other L3 items are nulled and other L2 items shown.
pub fn suggest(item: &DataItem) -> Technique {
    let level = item.security_level;
    if level == SecurityLevel::L1 {
        return Technique::None;
    }
    let is_id = has(item, &["身份证", "公民身份号码", "证件号码", "身份号码"], &["id_number", "id_no", "id_card"]);
    let textual = item.data_type == DataType::String;
    if level == SecurityLevel::L4 {
        return if (item.key || is_id) && matches!(item.data_type, DataType::String | DataType::Integer) {
            hash_for(item)
        } else {
            Technique::Null
        };
    }
    if textual && is_id {
        return Technique::KeepEnds { first: 6, last: 4 };
    }
    if textual && has(item, &["手机", "电话", "联系方式"], &["phone", "mobile", "tel", "telephone"]) {
        return Technique::KeepEnds { first: 3, last: 4 };
    }
    if textual && has(item, &["姓名"], &["name", "person_name", "full_name"]) && !item.label.contains("名称") {
        return Technique::Name;
    }
    if textual && has(item, &["地址", "住址", "住所"], &["address", "addr"]) {
        let level = if level == SecurityLevel::L2 { AddressLevel::Street } else { AddressLevel::District };
        return Technique::Address { level };
    }
    let is_date = matches!(item.data_type, DataType::Date | DataType::DateTime);
    if (is_date || textual) && has(item, &["出生日期", "出生年月", "生日"], &["birth_date", "birthday", "dob"])
    {
        return Technique::Date { keep: DatePart::Year };
    }
    if level == SecurityLevel::L3 {
        Technique::Null
    } else {
        Technique::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zs_catalog::{OpenKind, SharingKind};

    fn item(name: &str, label: &str, t: DataType, len: Option<u32>, level: SecurityLevel) -> DataItem {
        DataItem {
            name: name.into(),
            label: label.into(),
            data_type: t,
            length: len,
            key: false,
            element: None,
            security_level: level,
            sharing: SharingKind::Conditional,
            open: OpenKind::None,
        }
    }

    #[test]
    fn population_items() {
        use DataType::*;
        use SecurityLevel::*;
        let s = |n, l, t, len, lv| suggest(&item(n, l, t, len, lv));
        assert_eq!(s("id_number", "公民身份号码", String, Some(18), L3), Technique::KeepEnds { first: 6, last: 4 });
        assert_eq!(s("phone", "联系电话", String, Some(20), L3), Technique::KeepEnds { first: 3, last: 4 });
        assert_eq!(s("name", "姓名", String, Some(50), L3), Technique::Name);
        assert_eq!(s("address", "住址", String, Some(200), L3), Technique::Address { level: AddressLevel::District });
        assert_eq!(
            s("reg_address", "户籍地址", String, Some(200), L2),
            Technique::Address { level: AddressLevel::Street }
        );
        assert_eq!(s("birth_date", "出生日期", Date, None, L3), Technique::Date { keep: DatePart::Year });
        assert_eq!(s("household_no", "户号", String, Some(9), L3), Technique::Null);
        assert_eq!(s("ethnicity", "民族", String, Some(10), L2), Technique::None);
        assert_eq!(s("name", "姓名", String, Some(50), L1), Technique::None);
        assert_eq!(s("firm_name", "企业名称", String, Some(100), L3), Technique::Null);
        assert_eq!(
            s("id_number", "公民身份号码", String, Some(18), L4),
            Technique::Hash { encoding: HashEncoding::Hex, length: 16 }
        );
        assert_eq!(s("diagnosis", "诊断", String, Some(100), L4), Technique::Null);
    }

    #[test]
    fn suggestions_fit_their_item() {
        use DataType::*;
        use SecurityLevel::*;
        for lv in [L1, L2, L3, L4] {
            for (n, l, t, len) in [
                ("id_number", "公民身份号码", String, Some(8)),
                ("birth_date", "出生日期", Date, None),
                ("code", "编号", Integer, Some(6)),
                ("amount", "金额", Decimal, Some(12)),
            ] {
                let mut it = item(n, l, t, len, lv);
                it.key = true;
                let tech = suggest(&it);
                assert_eq!(tech.check_for(&it), Ok(()), "{tech:?} for {n} at {lv:?}");
            }
        }
    }
}
