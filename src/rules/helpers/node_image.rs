//! AKS node image versions, in every format AKS has used, read for their build date:
//!
//! | format | example | date part |
//! |---|---|---|
//! | Linux (Ubuntu, Azure Linux, Mariner) | `AKSUbuntu-2204gen2containerd-202411.12.0` | `YYYYMM.DD.revision` |
//! | legacy Linux | `AKSUbuntu:1604:2020.03.11` | `YYYY.MM.DD` |
//! | Windows | `AKSWindows-2022-containerd-20348.2762.241009` | `build.revision.YYMMDD` |

use jiff::civil::Date;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeImage {
    /// Everything before the version: `AKSUbuntu-2204gen2containerd`, `AKSWindows-2022-containerd`.
    pub family: String,
    pub built: Date,
    /// Orders images built the same day (the Linux revision; the Windows build and revision).
    revision: (u32, u32),
}

impl NodeImage {
    pub fn parse(text: &str) -> Option<NodeImage> {
        let text = text.trim();
        let split = text.rfind(['-', ':'])?;
        let (family, version) = (&text[..split], &text[split + 1..]);
        let parts: Vec<&str> = version.split('.').collect();
        let [a, b, c] = parts.as_slice() else { return None };
        if ![a, b, c].iter().all(|p| !p.is_empty() && p.bytes().all(|d| d.is_ascii_digit())) {
            return None;
        }
        let number = |s: &str| s.parse::<u32>().ok();
        let (built, revision) = match (a.len(), c.len()) {
            // YYYYMM.DD.revision
            (6, _) => (date(number(&a[..4])?, number(&a[4..])?, number(b)?)?, (0, number(c)?)),
            // YYYY.MM.DD
            (4, 1..=2) => (date(number(a)?, number(b)?, number(c)?)?, (0, 0)),
            // build.revision.YYMMDD (Windows)
            (5, 6) => (date(2000 + number(&c[..2])?, number(&c[2..4])?, number(&c[4..])?)?, (number(a)?, number(b)?)),
            _ => return None,
        };
        Some(NodeImage { family: family.to_string(), built, revision })
    }

    /// Older or newer by build date, then revision.
    pub fn age_order(&self, other: &NodeImage) -> Ordering {
        (self.built, self.revision).cmp(&(other.built, other.revision))
    }
}

fn date(year: u32, month: u32, day: u32) -> Option<Date> {
    Date::new(i16::try_from(year).ok()?, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    #[test]
    fn reads_every_aks_format() {
        let cases = [
            ("AKSUbuntu-2204gen2containerd-202411.12.0", "AKSUbuntu-2204gen2containerd", d(2024, 11, 12)),
            ("AKSAzureLinux-V3gen2-202609.15.0", "AKSAzureLinux-V3gen2", d(2026, 9, 15)),
            ("AKSUbuntu:1604:2020.03.11", "AKSUbuntu:1604", d(2020, 3, 11)),
            ("AKSWindows-2022-containerd-20348.2762.241009", "AKSWindows-2022-containerd", d(2024, 10, 9)),
            ("AKSCBLMariner-V2gen2-202405.20.1", "AKSCBLMariner-V2gen2", d(2024, 5, 20)),
        ];
        for (text, family, built) in cases {
            let image = NodeImage::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((image.family.as_str(), image.built), (family, built), "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_node_image_version() {
        for text in [
            "",
            "latest",
            "AKSUbuntu-2204gen2containerd-202413.01.0",
            "AKSUbuntu-2204-2024.1",
            "AKSUbuntu-22.04.x",
            "202411.12.0",
        ] {
            assert_eq!(NodeImage::parse(text), None, "{text}");
        }
    }

    #[test]
    fn orders_by_date_then_revision() {
        let parse = |t| NodeImage::parse(t).unwrap();
        let old = parse("AKSUbuntu-2204gen2containerd-202411.12.0");
        let same_day_later = parse("AKSUbuntu-2204gen2containerd-202411.12.1");
        let newer = parse("AKSUbuntu-2204gen2containerd-202412.01.0");
        assert_eq!(old.age_order(&same_day_later), Ordering::Less);
        assert_eq!(newer.age_order(&same_day_later), Ordering::Greater);
        assert_eq!(old.age_order(&old.clone()), Ordering::Equal);
    }
}
