//! Query-string parameters the panel endpoints read, parsed leniently (repeated
//! keys: last wins; unknown keys ignored), as PHP does.

/// Parameters of a panel request.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) category_id: Option<String>,
    /// `get.php` `type` (`m3u` or `m3u_plus`).
    pub(crate) kind: Option<String>,
    /// `get.php` `output` (`ts`, `m3u8`, `hls`).
    pub(crate) output: Option<String>,
}

impl Params {
    /// Parses a raw query string (without `?`).
    pub(crate) fn parse(query: Option<&str>) -> Params {
        let mut p = Params::default();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match key.as_ref() {
                "username" => &mut p.username,
                "password" => &mut p.password,
                "action" => &mut p.action,
                "category_id" => &mut p.category_id,
                "type" => &mut p.kind,
                "output" => &mut p.output,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        p
    }
}
