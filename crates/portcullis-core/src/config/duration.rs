//! Durations as Flask-Security configures them: seconds, or `15m` / `2h` / `2d` / `5 days`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A signed duration in whole seconds (negative values are meaningful for `freshness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    /// From seconds.
    pub const fn secs(s: i64) -> Self {
        Self(s)
    }
    /// From minutes.
    pub const fn mins(m: i64) -> Self {
        Self(m * 60)
    }
    /// From hours.
    pub const fn hours(h: i64) -> Self {
        Self(h * 3600)
    }
    /// From days.
    pub const fn days(d: i64) -> Self {
        Self(d * 86_400)
    }
    /// Whole seconds.
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// Parse `90`, `-1`, `1.5` (seconds), `30s`, `15m`, `2h`, `2d`, `1w`, `5 days`, `1 hour`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty duration".into());
        }
        if let Ok(n) = t.parse::<i64>() {
            return Ok(Self(n));
        }
        if let Ok(f) = t.parse::<f64>() {
            if f.is_finite() {
                return Ok(Self(f.round() as i64));
            }
            return Err(format!("invalid duration {text:?}"));
        }
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let num: f64 = num
            .trim()
            .parse()
            .map_err(|_| format!("invalid duration {text:?} (use seconds or 15m/2h/2d)"))?;
        let mult = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86_400.0,
            "w" | "week" | "weeks" => 604_800.0,
            other => return Err(format!("invalid duration unit {other:?} in {text:?}")),
        };
        let secs = num * mult;
        if !secs.is_finite() || secs.abs() > 1e15 {
            return Err(format!("duration out of range: {text:?}"));
        }
        Ok(Self(secs.round() as i64))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f.round() as i64))
                .map(Self)
                .ok_or_else(|| serde::de::Error::custom("invalid duration")),
            serde_json::Value::String(s) => Self::parse(&s).map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom(
                "expected seconds or a duration like \"15m\"",
            )),
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(Duration::parse("90"), Ok(Duration(90)));
        assert_eq!(Duration::parse("-1"), Ok(Duration(-1)));
        assert_eq!(Duration::parse("15m"), Ok(Duration(900)));
        assert_eq!(Duration::parse("2h"), Ok(Duration(7200)));
        assert_eq!(Duration::parse("2d"), Ok(Duration(172_800)));
        assert_eq!(Duration::parse("5 days"), Ok(Duration(432_000)));
        assert_eq!(Duration::parse("1 hour"), Ok(Duration(3600)));
        assert!(Duration::parse("").is_err());
        assert!(Duration::parse("15 fortnights").is_err());
        assert!(Duration::parse("abc").is_err());
        assert!(Duration::parse("1e400").is_err());
    }
}
