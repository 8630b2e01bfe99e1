//! Fuzzes the reading of `X-Forwarded-For` and `Forwarded` values
//! (`streamforge_httpsafe::forwarded`): any text gives a list of addresses, never a panic,
//! each one written somewhere in the text; and whatever the headers say, a
//! client that is not a trusted proxy is always its own peer address.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamforge_httpsafe::forwarded::{forwarded_for, x_forwarded_for, TrustedProxies};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for list in [x_forwarded_for(text), forwarded_for(text)] {
        assert!(list.len() <= text.len(), "more addresses than bytes");
    }
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_str(text) {
        headers.insert("x-forwarded-for", value.clone());
        headers.insert("forwarded", value);
    }
    let stranger: std::net::IpAddr = "198.51.100.1".parse().unwrap();
    let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
    assert_eq!(proxies.client(stranger, &headers), stranger);
    // From the proxy: the answer is the proxy or an address the text named.
    let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
    let client = proxies.client(proxy, &headers);
    assert!(
        client == proxy
            || forwarded_for(text).contains(&client)
            || x_forwarded_for(text).contains(&client),
        "{client} came from nowhere"
    );
});
