//! Which clusters a fleet run audits: the filters on Resource Graph's rows (resource group, tags,
//! name glob) and the shard. Filtering happens here rather than in the query, so no user text
//! ever becomes KQL.

use std::collections::BTreeMap;

/// `--tag key=value`: the key matches case-insensitively (as ARM tag names do), the value exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

impl Tag {
    pub fn parse(text: &str) -> Result<Tag, String> {
        match text.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => Ok(Tag { key: key.to_string(), value: value.to_string() }),
            _ => Err("expected KEY=VALUE, such as env=prod".to_string()),
        }
    }
}

/// `--shard I/N`: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, String> {
        let usage = || "expected I/N with 1 <= I <= N <= 10000, such as 2/8".to_string();
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let index: u32 = index.trim().parse().map_err(|_| usage())?;
        let count: u32 = count.trim().parse().map_err(|_| usage())?;
        match (1..=count).contains(&index) && count <= 10_000 {
            true => Ok(Shard { index, count }),
            false => Err(usage()),
        }
    }

    /// Whether the cluster `id` is in this shard: a stable hash (FNV-1a 64) of the lowercased
    /// id, so every run, machine and aksguard version puts a cluster in the same shard.
    pub fn holds(&self, id: &str) -> bool {
        shard_of(id, self.count) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The 1-based shard of `count` that `id` falls in.
pub fn shard_of(id: &str, count: u32) -> u32 {
    let hash = id
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    (hash % u64::from(count)) as u32 + 1
}

/// The row-level filters.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub resource_groups: Vec<String>,
    pub tags: Vec<Tag>,
    pub names: Vec<String>,
    pub shard: Option<Shard>,
}

impl Filters {
    pub fn keeps(&self, id: &str, name: &str, group: &str, tags: &BTreeMap<String, String>) -> bool {
        let group_ok =
            self.resource_groups.is_empty() || self.resource_groups.iter().any(|g| g.eq_ignore_ascii_case(group));
        let tags_ok = self
            .tags
            .iter()
            .all(|tag| tags.iter().any(|(key, value)| key.eq_ignore_ascii_case(&tag.key) && *value == tag.value));
        let name_ok = self.names.is_empty() || self.names.iter().any(|glob| matches_glob(glob, name));
        let shard_ok = self.shard.is_none_or(|shard| shard.holds(id));
        group_ok && tags_ok && name_ok && shard_ok
    }
}

/// `*` (any run) and `?` (one character), case-insensitive as AKS names are.
pub fn matches_glob(glob: &str, name: &str) -> bool {
    let glob: Vec<char> = glob.to_lowercase().chars().collect();
    let name: Vec<char> = name.to_lowercase().chars().collect();
    // Iterative matching with one backtrack point: linear in practice, never exponential.
    let (mut g, mut n, mut star, mut mark) = (0, 0, None, 0);
    while n < name.len() {
        if g < glob.len() && (glob[g] == '?' || glob[g] == name[n]) {
            g += 1;
            n += 1;
        } else if g < glob.len() && glob[g] == '*' {
            star = Some(g);
            mark = n;
            g += 1;
        } else if let Some(s) = star {
            g = s + 1;
            mark += 1;
            n = mark;
        } else {
            return false;
        }
    }
    glob[g..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_shells_do() {
        assert!(matches_glob("aks-*", "AKS-prod-1"));
        assert!(matches_glob("*prod*", "aks-prod-1"));
        assert!(matches_glob("aks-?", "aks-1"));
        assert!(!matches_glob("aks-?", "aks-12"));
        assert!(!matches_glob("prod", "aks-prod"));
        assert!(matches_glob("*", ""));
        assert!(!matches_glob(&"*a".repeat(50), &"a".repeat(40)));
    }

    #[test]
    fn shards_are_parsed_and_partition_every_id() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/4", "5/4", "1/0", "a/b", "3", "1/20000"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=4).map(|index| Shard { index, count: 4 }).collect();
        for i in 0..1000 {
            let id = format!("/subscriptions/s/resourceGroups/rg/providers/x/managedClusters/c{i}");
            assert_eq!(shards.iter().filter(|s| s.holds(&id)).count(), 1, "{id}");
            assert!(shards.iter().any(|s| s.holds(&id.to_uppercase()) && s.holds(&id)), "case changes the shard");
        }
    }

    #[test]
    fn the_hash_is_stable_across_versions() {
        // Pinned: a changed hash would move clusters between shards of a running pipeline.
        assert_eq!(shard_of("/subscriptions/s/resourcegroups/rg/providers/x/managedclusters/c", 1000), 819);
    }

    #[test]
    fn filters_combine() {
        let tags = BTreeMap::from([("Env".to_string(), "prod".to_string())]);
        let filters = Filters {
            resource_groups: vec!["RG-A".into()],
            tags: vec![Tag::parse("env=prod").unwrap()],
            names: vec!["aks-*".into()],
            shard: None,
        };
        assert!(filters.keeps("/id", "aks-1", "rg-a", &tags));
        assert!(!filters.keeps("/id", "aks-1", "rg-b", &tags));
        assert!(!filters.keeps("/id", "other", "rg-a", &tags));
        let prod_upper = BTreeMap::from([("env".to_string(), "PROD".to_string())]);
        assert!(!filters.keeps("/id", "aks-1", "rg-a", &prod_upper));
        assert!(Tag::parse("novalue").is_err() && Tag::parse("=x").is_err());
        assert_eq!(Tag::parse("k=").unwrap().value, "");
    }
}
