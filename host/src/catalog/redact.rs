//! Showing URLs the user typed without the secrets some of them carry
//! (M3U and XMLTV links often hold `username=` and `password=`).

/// Query keys whose values are hidden.
const SECRET_KEYS: &[&str] = &[
    "password", "pass", "pwd", "token", "username", "user", "key", "auth",
];

/// `url` with secret-looking query values and any userinfo replaced by `***`.
pub fn url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.chars().take(200).collect();
    };
    if !parsed.username().is_empty() {
        let _ = parsed.set_username("***");
    }
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let hide = SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str());
                (
                    k.into_owned(),
                    if hide {
                        "***".to_string()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string().replace("%2A%2A%2A", "***")
}

#[cfg(test)]
mod tests {
    #[test]
    fn hides_credentials_in_query_and_userinfo() {
        assert_eq!(
            super::url("http://p.example/get.php?username=al&password=s3cr3t&type=m3u"),
            "http://p.example/get.php?username=***&password=***&type=m3u"
        );
        assert_eq!(
            super::url("http://al:pw@p.example/x"),
            "http://***:***@p.example/x"
        );
        assert_eq!(
            super::url("http://p.example:8080"),
            "http://p.example:8080/"
        );
    }
}
