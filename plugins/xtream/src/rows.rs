//! The rows an Xtream panel answers with, read field by field without failing
//! on types: a row that is not an object is kept as "not a row" and counted
//! later, unknown fields are skipped without being stored.

use crate::lenient::{First, Scalar, Words};
use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use std::fmt;

/// Reads a map key as its index in a list of known field names.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == v))
    }
}

/// Values that are not objects where a row is expected read as an empty,
/// invalid row instead of failing the whole answer.
macro_rules! other_values_are_not_rows {
    ($t:ty) => {
        fn visit_bool<E>(self, _: bool) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_i64<E>(self, _: i64) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_u64<E>(self, _: u64) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_f64<E>(self, _: f64) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_str<E>(self, _: &str) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_unit<E>(self) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_none<E>(self) -> Result<$t, E> {
            Ok(<$t>::default())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<$t, D::Error> {
            <$t>::deserialize(d)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$t, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(<$t>::default())
        }
    };
}

/// Something that can be a row of a listing.
pub(crate) trait Row: Default {
    /// False when the JSON value was not an object.
    fn is_row(&self) -> bool;
}

/// One entry of `get_live_streams`.
#[derive(Debug, Default)]
pub(crate) struct RawStream {
    pub is_row: bool,
    pub stream_id: Scalar,
    pub name: Scalar,
    pub stream_icon: Scalar,
    pub epg_channel_id: Scalar,
    pub category_id: Scalar,
    pub category_ids: First,
    pub num: Scalar,
    pub tv_archive: Scalar,
    pub tv_archive_duration: Scalar,
}

const STREAM_FIELDS: &[&str] = &[
    "stream_id",
    "name",
    "stream_icon",
    "epg_channel_id",
    "category_id",
    "category_ids",
    "num",
    "tv_archive",
    "tv_archive_duration",
];

struct StreamVisitor;

impl<'de> Visitor<'de> for StreamVisitor {
    type Value = RawStream;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a stream object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStream, A::Error> {
        let mut row = RawStream {
            is_row: true,
            ..RawStream::default()
        };
        while let Some(field) = map.next_key_seed(KeySeed(STREAM_FIELDS))? {
            match field {
                Some(0) => row.stream_id = map.next_value()?,
                Some(1) => row.name = map.next_value()?,
                Some(2) => row.stream_icon = map.next_value()?,
                Some(3) => row.epg_channel_id = map.next_value()?,
                Some(4) => row.category_id = map.next_value()?,
                Some(5) => row.category_ids = map.next_value()?,
                Some(6) => row.num = map.next_value()?,
                Some(7) => row.tv_archive = map.next_value()?,
                Some(8) => row.tv_archive_duration = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(row)
    }
    other_values_are_not_rows!(RawStream);
}

impl<'de> Deserialize<'de> for RawStream {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StreamVisitor)
    }
}

impl Row for RawStream {
    fn is_row(&self) -> bool {
        self.is_row
    }
}

/// One entry of `get_live_categories`.
#[derive(Debug, Default)]
pub(crate) struct RawCategory {
    pub is_row: bool,
    pub category_id: Scalar,
    pub category_name: Scalar,
}

const CATEGORY_FIELDS: &[&str] = &["category_id", "category_name"];

struct CategoryVisitor;

impl<'de> Visitor<'de> for CategoryVisitor {
    type Value = RawCategory;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a category object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCategory, A::Error> {
        let mut row = RawCategory {
            is_row: true,
            ..RawCategory::default()
        };
        while let Some(field) = map.next_key_seed(KeySeed(CATEGORY_FIELDS))? {
            match field {
                Some(0) => row.category_id = map.next_value()?,
                Some(1) => row.category_name = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(row)
    }
    other_values_are_not_rows!(RawCategory);
}

impl<'de> Deserialize<'de> for RawCategory {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CategoryVisitor)
    }
}

impl Row for RawCategory {
    fn is_row(&self) -> bool {
        self.is_row
    }
}

/// A value where no rows are wanted (the account answer).
#[derive(Debug, Default)]
pub(crate) struct NoRow;

impl<'de> Deserialize<'de> for NoRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| NoRow)
    }
}

impl Row for NoRow {
    fn is_row(&self) -> bool {
        false
    }
}

/// The `user_info` object of `player_api.php`.
#[derive(Debug, Default)]
pub(crate) struct UserInfo {
    pub auth: Scalar,
    pub status: Scalar,
    pub exp_date: Scalar,
    pub max_connections: Scalar,
    pub active_cons: Scalar,
    pub allowed_output_formats: Words,
}

const USER_FIELDS: &[&str] = &[
    "auth",
    "status",
    "exp_date",
    "max_connections",
    "active_cons",
    "allowed_output_formats",
];

struct UserVisitor;

impl<'de> Visitor<'de> for UserVisitor {
    type Value = UserInfo;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a user_info object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UserInfo, A::Error> {
        let mut info = UserInfo::default();
        while let Some(field) = map.next_key_seed(KeySeed(USER_FIELDS))? {
            match field {
                Some(0) => info.auth = map.next_value()?,
                Some(1) => info.status = map.next_value()?,
                Some(2) => info.exp_date = map.next_value()?,
                Some(3) => info.max_connections = map.next_value()?,
                Some(4) => info.active_cons = map.next_value()?,
                Some(5) => info.allowed_output_formats = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(info)
    }
    other_values_are_not_rows!(UserInfo);
}

impl<'de> Deserialize<'de> for UserInfo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UserVisitor)
    }
}

/// A whole answer: the expected list, or an object (an error, the account
/// details, or rows keyed by id), or a bare scalar.
#[derive(Debug)]
pub(crate) enum Listing<T> {
    /// A JSON array of rows.
    List(Vec<T>),
    /// A JSON object.
    Object {
        /// `user_info`, when present (a bad login often answers `{"user_info":{"auth":0}}`).
        user_info: Option<UserInfo>,
        /// Object values that are themselves objects (panels keying rows by id).
        rows: Vec<T>,
        /// An `error` or `message` text, when present.
        message: Option<String>,
    },
    /// A string, number, boolean or null.
    Scalar,
}

struct ListingVisitor<T>(std::marker::PhantomData<T>);

const LISTING_FIELDS: &[&str] = &["user_info", "error", "message"];

impl<'de, T: Row + Deserialize<'de>> Visitor<'de> for ListingVisitor<T> {
    type Value = Listing<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array or object")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Listing<T>, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(row) = seq.next_element::<T>()? {
            rows.push(row);
        }
        Ok(Listing::List(rows))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Listing<T>, A::Error> {
        let (mut user_info, mut rows, mut message) = (None, Vec::new(), None);
        while let Some(field) = map.next_key_seed(KeySeed(LISTING_FIELDS))? {
            match field {
                Some(0) => user_info = Some(map.next_value::<UserInfo>()?),
                Some(1) | Some(2) => message = message.or(map.next_value::<Scalar>()?.text()),
                _ => {
                    let row = map.next_value::<T>()?;
                    if row.is_row() {
                        rows.push(row);
                    }
                }
            }
        }
        Ok(Listing::Object {
            user_info,
            rows,
            message,
        })
    }
    fn visit_bool<E>(self, _: bool) -> Result<Listing<T>, E> {
        Ok(Listing::Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Listing<T>, E> {
        Ok(Listing::Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Listing<T>, E> {
        Ok(Listing::Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Listing<T>, E> {
        Ok(Listing::Scalar)
    }
    fn visit_str<E>(self, _: &str) -> Result<Listing<T>, E> {
        Ok(Listing::Scalar)
    }
    fn visit_unit<E>(self) -> Result<Listing<T>, E> {
        Ok(Listing::Scalar)
    }
}

impl<'de, T: Row + Deserialize<'de>> Deserialize<'de> for Listing<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListingVisitor(std::marker::PhantomData))
    }
}
