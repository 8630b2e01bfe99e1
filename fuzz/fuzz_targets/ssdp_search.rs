//! Fuzzes the SSDP `M-SEARCH` parser (`streamforge_hdhomerun::ssdp::parse_search`):
//! any datagram gives a request or `None`, never a panic. A parsed request has
//! a non-empty, trimmed `ST`, fields no longer than the datagram, re-encodes to
//! a canonical `M-SEARCH` that parses back equal (also with lower-case header
//! names and bare `\n` line ends), and only ever matches at most the three
//! targets the device advertises, so a search cannot be amplified.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamforge_hdhomerun::ssdp::{
    advertised_targets, matching_targets, parse_search, search_response, SearchRequest,
    MAX_DATAGRAM,
};
use streamforge_hdhomerun::DeviceInfo;

fn device() -> DeviceInfo {
    DeviceInfo {
        device_id: 0x1043_9EFD,
        friendly_name: "StreamForge".into(),
        model_number: "HDTC-2US".into(),
        firmware_name: "hdhomeruntc_atsc".into(),
        firmware_version: "20200101".into(),
        device_auth: "fuzz".into(),
        base_url: "http://192.0.2.1:5004".into(),
        tuner_count: 2,
    }
}

/// The request as a datagram: header names in `case`, lines ended by `eol`.
fn encode(req: &SearchRequest, lower: bool, eol: &str) -> Vec<u8> {
    let name = |n: &str| {
        if lower {
            n.to_ascii_lowercase()
        } else {
            n.to_string()
        }
    };
    let mut s = format!("{} * HTTP/1.1{eol}", name("M-SEARCH"));
    if let Some(host) = &req.host {
        s += &format!("{}: {host}{eol}", name("HOST"));
    }
    s += &format!("{}: \"ssdp:discover\"{eol}", name("MAN"));
    if let Some(mx) = req.mx {
        s += &format!("{}: {mx}{eol}", name("MX"));
    }
    s += &format!("{}: {}{eol}{eol}", name("ST"), req.st);
    s.into_bytes()
}

fuzz_target!(|data: &[u8]| {
    let Some(req) = parse_search(data) else {
        return;
    };
    assert!(data.len() <= MAX_DATAGRAM, "an oversized datagram was read");
    assert!(
        std::str::from_utf8(data).is_ok(),
        "a non-UTF-8 datagram was read"
    );
    assert!(!req.st.is_empty(), "empty ST accepted");
    assert_eq!(req.st, req.st.trim(), "ST not trimmed");
    assert!(!req.st.contains('\n'), "ST spans lines");
    let host_len = req.host.as_ref().map_or(0, String::len);
    assert!(
        req.st.len() + host_len <= data.len(),
        "output larger than input"
    );

    for (lower, eol) in [(false, "\r\n"), (true, "\n")] {
        let again = encode(&req, lower, eol);
        assert_eq!(
            parse_search(&again).as_ref(),
            Some(&req),
            "re-encoded search does not parse back equal: {:?}",
            String::from_utf8_lossy(&again)
        );
    }

    let device = device();
    let advertised = advertised_targets(&device);
    let matched = matching_targets(&req.st, &device);
    assert!(
        matched.len() <= 3,
        "one search answered {} times",
        matched.len()
    );
    for target in &matched {
        assert!(
            advertised.contains(target),
            "answered for {target:?}, which is not advertised"
        );
        let response = search_response(target, &device);
        let text = String::from_utf8(response).expect("responses are UTF-8");
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("\r\n\r\n"));
        assert_eq!(
            text.matches("\r\n\r\n").count(),
            1,
            "a response carries a body"
        );
    }
});
