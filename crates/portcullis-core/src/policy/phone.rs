//! Phone numbers as identities: parsed with the region default and stored as E.164.

use std::str::FromStr;

/// Parse `raw` (international `+…`, or national for `region`, e.g. "US") and return it in E.164
/// (`+14155552671`). `None` when it is not a valid number.
pub fn normalize_phone(raw: &str, region: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().any(super::is_invisible_not_space) {
        return None;
    }
    let region = phonenumber::country::Id::from_str(&region.to_ascii_uppercase()).ok();
    let number = phonenumber::parse(region, raw).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Whether `region` is a known region code (`US`, `GB`, ...).
pub fn is_region(region: &str) -> bool {
    phonenumber::country::Id::from_str(&region.to_ascii_uppercase()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        assert_eq!(
            normalize_phone("(650) 253-0000", "US").as_deref(),
            Some("+16502530000")
        );
        assert_eq!(
            normalize_phone("+1 650-253-0000", "GB").as_deref(),
            Some("+16502530000")
        );
        assert_eq!(
            normalize_phone("020 7946 0018", "GB").as_deref(),
            Some("+442079460018")
        );
        assert_eq!(
            normalize_phone("+44 20 7946 0018", "us").as_deref(),
            Some("+442079460018")
        );
        for bad in ["", "12", "not a number", "+1 555", "650\u{200B}2530000"] {
            assert_eq!(normalize_phone(bad, "US"), None, "{bad:?}");
        }
        assert!(is_region("US") && is_region("gb") && !is_region("XX"));
    }
}
