//! Classification and grading (数据分类分级): the GB/T 43697-2024 data categories 一般 / 重要 /
//! 核心 and the finer security levels L1–L4 a province uses, joined by a configurable table
//! (default L1–L2 一般, L3 重要, L4 核心). A resource takes the highest level of its items
//! (就高从严).

use serde::Serialize;
use utoipa::ToSchema;
use zs_catalog::SecurityLevel;
use zs_types::{Error, Result};

/// GB/T 43697-2024 data category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 一般数据.
    General,
    /// 重要数据.
    Important,
    /// 核心数据.
    Core,
}

impl Category {
    /// Every category, lowest first.
    pub const ALL: [Category; 3] = [Category::General, Category::Important, Category::Core];

    /// Stable name (also used in the configuration).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Important => "important",
            Self::Core => "core",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::General => "一般数据",
            Self::Important => "重要数据",
            Self::Core => "核心数据",
        }
    }

    /// Parse a stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// Position in [`Category::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Position of a level in [`SecurityLevel::ALL`].
pub fn level_index(l: SecurityLevel) -> usize {
    SecurityLevel::ALL.iter().position(|x| *x == l).unwrap_or(0)
}

/// The table from security level to category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grading {
    categories: [Category; 4],
}

impl Default for Grading {
    fn default() -> Self {
        Self { categories: [Category::General, Category::General, Category::Important, Category::Core] }
    }
}

impl Grading {
    /// From the configuration's `classification_categories` (one name per level L1..L4, never
    /// lower for a higher level).
    pub fn from_names(names: &[String]) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "classification_categories",
                "classification_categories must name 4 categories (general, important or core) for L1..L4",
            )
        };
        if names.len() != 4 {
            return Err(bad());
        }
        let mut categories = [Category::General; 4];
        for (i, n) in names.iter().enumerate() {
            categories[i] = Category::parse(n).ok_or_else(bad)?;
        }
        if categories.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad());
        }
        Ok(Self { categories })
    }

    /// The category of a level.
    pub fn category(&self, level: SecurityLevel) -> Category {
        self.categories[level_index(level)]
    }

    /// (level, category) for every level, for display.
    pub fn table(&self) -> Vec<(SecurityLevel, Category)> {
        SecurityLevel::ALL.iter().map(|l| (*l, self.category(*l))).collect()
    }
}

/// The level of a resource: the highest of its items (就高从严); L1 without items.
pub fn resource_level(levels: impl IntoIterator<Item = SecurityLevel>) -> SecurityLevel {
    levels.into_iter().max().unwrap_or(SecurityLevel::L1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mapping_and_configured_ones() {
        let g = Grading::default();
        assert_eq!(
            g.table().into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
            [Category::General, Category::General, Category::Important, Category::Core]
        );
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let g = Grading::from_names(&names(&["general", "important", "important", "core"])).unwrap();
        assert_eq!(g.category(SecurityLevel::L2), Category::Important);
        assert!(Grading::from_names(&names(&["core", "general", "general", "general"])).is_err());
        assert!(Grading::from_names(&names(&["general"])).is_err());
        assert!(Grading::from_names(&names(&["general", "general", "secret", "core"])).is_err());
        assert_eq!(resource_level([SecurityLevel::L2, SecurityLevel::L3, SecurityLevel::L1]), SecurityLevel::L3);
        assert_eq!(resource_level([]), SecurityLevel::L1);
    }
}
