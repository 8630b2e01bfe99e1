//! The request templates carry placeholders only.

use streamforge_plugin_xtream::requests::{account_requests, catalog_requests};

#[test]
fn account_request() {
    let r = account_requests();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].purpose, "account");
    assert_eq!(
        r[0].url_template,
        "{server}/player_api.php?username={username}&password={password}"
    );
}

#[test]
fn catalog_requests_by_purpose() {
    let r = catalog_requests();
    let urls: Vec<(&str, &str)> = r
        .iter()
        .map(|r| (r.purpose.as_str(), r.url_template.as_str()))
        .collect();
    assert_eq!(
        urls,
        [
            ("categories", "{server}/player_api.php?username={username}&password={password}&action=get_live_categories"),
            ("streams", "{server}/player_api.php?username={username}&password={password}&action=get_live_streams"),
            ("account", "{server}/player_api.php?username={username}&password={password}"),
        ]
    );
}
