//! A JSON scalar read without caring how the panel typed it: Xtream panels
//! send numbers as strings and back, `null`, `""` or nothing at all.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Any JSON value, kept only when it is a scalar.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Scalar {
    /// The field was not there.
    #[default]
    Missing,
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A negative integer.
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    Text(String),
    /// An array or object (skipped without being kept).
    Nested,
}

impl Scalar {
    /// The value as trimmed, non-empty text; numbers are written in decimal.
    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Text(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string),
            Scalar::Int(i) => Some(i.to_string()),
            Scalar::UInt(u) => Some(u.to_string()),
            Scalar::Float(f) if f.is_finite() => Some(f.to_string()),
            _ => None,
        }
    }

    /// The value as a whole number: `12`, `"12"`, `12.0`, `" 12 "`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::UInt(u) => i64::try_from(*u).ok(),
            Scalar::Float(f) => whole(*f),
            Scalar::Text(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(whole))
            }
            _ => None,
        }
    }

    /// The value as a non-negative whole number.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Scalar::UInt(u) => Some(*u),
            Scalar::Text(s) if s.trim().bytes().all(|b| b.is_ascii_digit()) => {
                s.trim().parse().ok()
            }
            other => other.as_i64().and_then(|i| u64::try_from(i).ok()),
        }
    }

    /// The value as a `u32` (channel numbers, connection counts).
    pub fn as_u32(&self) -> Option<u32> {
        self.as_u64().and_then(|u| u32::try_from(u).ok())
    }

    /// Panel truthiness for flags such as `auth`: `1`, `"1"`, `true`, `"true"`, `"yes"`.
    pub fn truthy(&self) -> bool {
        match self {
            Scalar::Bool(b) => *b,
            Scalar::Int(i) => *i != 0,
            Scalar::UInt(u) => *u != 0,
            Scalar::Float(f) => *f != 0.0,
            Scalar::Text(s) => {
                let s = s.trim();
                s.eq_ignore_ascii_case("true")
                    || s.eq_ignore_ascii_case("yes")
                    || s.parse::<f64>().is_ok_and(|f| f != 0.0)
            }
            _ => false,
        }
    }
}

/// A JSON integer, non-negative ones as `UInt` so both sides compare alike.
fn int(v: i64) -> Scalar {
    u64::try_from(v).map_or(Scalar::Int(v), Scalar::UInt)
}

/// `f` as an integer when it has no fraction and fits.
fn whole(f: f64) -> Option<i64> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        Scalar::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// The first scalar of an array, or the value itself when it is a scalar
/// (`category_ids: [12, 40]` or `category_ids: 12`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct First(pub Scalar);

struct FirstVisitor;

impl<'de> Visitor<'de> for FirstVisitor {
    type Value = First;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or an array of values")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<First, A::Error> {
        let first = seq.next_element::<Scalar>()?.unwrap_or_default();
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(First(first))
    }
    fn visit_bool<E>(self, v: bool) -> Result<First, E> {
        Ok(First(Scalar::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<First, E> {
        Ok(First(int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<First, E> {
        Ok(First(Scalar::UInt(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<First, E> {
        Ok(First(Scalar::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<First, E> {
        Ok(First(Scalar::Text(v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<First, E> {
        Ok(First(Scalar::Null))
    }
    fn visit_none<E>(self) -> Result<First, E> {
        Ok(First(Scalar::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<First, D::Error> {
        First::deserialize(d)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<First, A::Error> {
        ScalarVisitor.visit_map(map).map(First)
    }
}

impl<'de> Deserialize<'de> for First {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FirstVisitor)
    }
}

/// A list of strings, or one comma-separated string (`allowed_output_formats`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Words(pub Vec<String>);

struct WordsVisitor;

impl<'de> Visitor<'de> for WordsVisitor {
    type Value = Words;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Words, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Scalar>()? {
            out.extend(v.text());
        }
        Ok(Words(out))
    }
    fn visit_str<E>(self, v: &str) -> Result<Words, E> {
        Ok(Words(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Words, A::Error> {
        let mut out = Vec::new();
        while let Some((_, v)) = map.next_entry::<IgnoredAny, Scalar>()? {
            out.extend(v.text());
        }
        Ok(Words(out))
    }
    fn visit_unit<E>(self) -> Result<Words, E> {
        Ok(Words::default())
    }
    fn visit_none<E>(self) -> Result<Words, E> {
        Ok(Words::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Words, D::Error> {
        Words::deserialize(d)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Words, E> {
        Ok(Words::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Words, E> {
        Ok(Words::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Words, E> {
        Ok(Words::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Words, E> {
        Ok(Words::default())
    }
}

impl<'de> Deserialize<'de> for Words {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WordsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Scalar {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_either_way() {
        assert_eq!(read("12").as_u32(), Some(12));
        assert_eq!(read("\" 12 \"").as_u32(), Some(12));
        assert_eq!(read("12.0").as_u32(), Some(12));
        assert_eq!(read("\"12.5\"").as_u32(), None);
        assert_eq!(read("-3").as_u32(), None);
        assert_eq!(read("null").as_u32(), None);
        assert_eq!(read("\"abc\"").as_u32(), None);
        assert_eq!(read("[1]").as_u32(), None);
    }

    #[test]
    fn truthiness() {
        assert!(read("1").truthy() && read("\"1\"").truthy() && read("true").truthy());
        assert!(!read("0").truthy() && !read("\"0\"").truthy() && !read("null").truthy());
    }

    #[test]
    fn text_of_anything() {
        assert_eq!(read("7").text().as_deref(), Some("7"));
        assert_eq!(read("\"  \"").text(), None);
        assert_eq!(Scalar::Missing.text(), None);
    }
}
