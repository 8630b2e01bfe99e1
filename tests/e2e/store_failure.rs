//! A store that fails under a running server: its disk fills up. Requests
//! that need to write answer 500 with a short generic body and the log says
//! why; the tuner, the lineup and streams keep working and nothing crashes.
//! The database refuses writes until it is reopened, so once there is space
//! again a restart brings writes back, with every acknowledged write kept.

use crate::common::{self, Server};
use streamforge_sim::SimProvider;

fn map(server: &Server, key: &str) -> (u16, String) {
    let resp = common::client()
        .post(format!("{}/api/v1/mappings", server.url))
        .bearer_auth(&server.token)
        .json(&serde_json::json!({"guide_id": "daserste.de", "account": "main", "key": key}))
        .send()
        .unwrap();
    (resp.status().as_u16(), resp.text().unwrap())
}

#[test]
fn a_full_disk_answers_500_and_the_server_keeps_serving() {
    let disk = common::tmpfs::Tmpfs::mount(48);
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = disk.path().join("data");
    common::prepared_at(&data, &sim, 2);
    let server = Server::start(&data, &[]);
    let number = common::number_of(&server.base, "Das Erste");

    let filler = disk.fill();
    // The database's current log segment may still have room; pins go on
    // (each one flushed) until a write needs space the disk no longer has.
    let (status, body) = (0..5_000)
        .map(|i| map(&server, ["12003", "12001"][i % 2]))
        .find(|(status, _)| *status != 200)
        .expect("a full disk never failed a write");
    assert_eq!(status, 500, "a write on a full disk: {body}");
    assert!(body.len() < 200, "a short body: {body}");
    assert!(
        !body.contains(&disk.path().display().to_string()),
        "no paths in the answer: {body}"
    );
    let log = server.log();
    assert!(
        log.contains("No space left on device"),
        "the log says why: {log}"
    );

    // What needs no write keeps working: the lineup, and a stream.
    let lineup = common::get_json(&format!("{}/lineup.json", server.base));
    assert!(lineup.as_array().is_some_and(|l| !l.is_empty()));
    let mut resp = common::client()
        .get(format!("{}/stream/{number}", server.base))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut buf = vec![0u8; 188 * 100];
    std::io::Read::read_exact(&mut resp, &mut buf).expect("stream bytes on a full disk");
    drop(resp);

    // The server never went away; space comes back and a restart (the log
    // says to) brings writes back, with every pin that was answered 200 kept.
    let mut server = server;
    server.check_alive().unwrap();
    assert!(log.contains("then restart StreamForge"), "{log}");
    drop(server);
    std::fs::remove_file(filler).unwrap();
    let server = Server::start(&data, &[]);
    let pins = server.api("/api/v1/mappings?channel=daserste.de");
    let mut manual: Vec<&str> = pins[0]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["manual"] == true)
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    manual.sort();
    assert_eq!(manual, ["12001", "12003"], "{pins}");
    let (status, body) = map(&server, "12002");
    assert_eq!(status, 200, "{body}");
}
