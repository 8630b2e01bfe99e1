//! The catalogue commands as a new user runs them against the simulated
//! Xtream panel: add (password on stdin), test, guide, sync, match, review,
//! pin, re-sync; bad input answered in one line with nothing stored; the
//! password never leaves the sealed record.

use crate::common;

use std::path::Path;
use std::process::Output;
use streamforge_sim::{Endpoint, Fault, SimProvider};

/// `streamforge args...` with debug logging (so the password search sees
/// every log line), bounded.
fn run(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = common::streamforge(data);
    cmd.args(args).env("STREAMFORGE_LOG", "debug");
    common::process::run_bounded(cmd, stdin.unwrap_or(""), common::process::CLI_LIMIT)
        .unwrap_or_else(|e| panic!("{e}"))
}

struct Session {
    data: tempfile::TempDir,
    sim: SimProvider,
    /// Everything the CLI printed, to search for the password.
    printed: std::cell::RefCell<Vec<u8>>,
}

impl Session {
    fn new() -> Session {
        Session {
            data: common::data_dir(),
            sim: SimProvider::start_blocking(common::test_panel()),
            printed: Default::default(),
        }
    }

    fn password(&self) -> String {
        self.sim.config().password.clone()
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let out = run(self.data.path(), args, stdin);
        self.printed.borrow_mut().extend_from_slice(&out.stdout);
        self.printed.borrow_mut().extend_from_slice(&out.stderr);
        out
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            !out.status.success(),
            "{args:?} should fail: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let err = String::from_utf8(out.stderr).unwrap();
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "want one error line: {err}");
        lines[0].to_string()
    }

    fn add_account(&self, name: &str) -> String {
        let user = self.sim.config().username.clone();
        self.ok(
            &[
                "account",
                "add",
                name,
                "--provider",
                "xtream",
                "--url",
                self.sim.base_url(),
                "--username",
                &user,
                "--password-stdin",
            ],
            Some(&format!("{}\n", self.password())),
        )
    }

    /// The password appears nowhere: data dir files, anything printed.
    fn assert_no_leak(&self) {
        let secret = self.password();
        assert!(secret.len() >= 6, "a password worth searching for");
        let printed = String::from_utf8_lossy(&self.printed.borrow()).into_owned();
        assert!(!printed.contains(&secret), "the password was printed");
        let mut stack = vec![self.data.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let bytes = std::fs::read(&path).unwrap();
                    assert!(
                        !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                        "the password is in {}",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn a_new_user_goes_from_account_to_pinned_mapping() {
    let s = Session::new();
    let added = s.add_account("main");
    assert!(added.starts_with("added account main (xtream,"), "{added}");
    let tested = s.ok(&["account", "test", "main"], None);
    assert!(tested.contains("account main: Active"), "{tested}");
    assert!(tested.contains("connections:"), "{tested}");

    let guide = s.ok(&["guide", "add", "panel", &s.sim.xmltv_url()], None);
    assert!(guide.starts_with("added guide panel:"), "{guide}");
    let guides = s.ok(&["guide", "list"], None);
    assert!(guides.contains("password=***"), "{guides}");

    let synced = s.ok(&["sync"], None);
    assert!(
        synced.contains("account main:") && synced.contains("guide panel:"),
        "{synced}"
    );
    let summary = s.ok(&["match"], None);
    assert!(summary.starts_with("matched "), "{summary}");

    let json: serde_json::Value =
        serde_json::from_str(&s.ok(&["mappings", "--json"], None)).unwrap();
    let channels = json.as_array().unwrap();
    let mapped: Vec<&serde_json::Value> = channels
        .iter()
        .filter(|c| !c["streams"].as_array().unwrap().is_empty())
        .collect();
    assert!(mapped.len() >= 5, "{json:#}");
    // Variants are all there, best quality first.
    let rich = mapped
        .iter()
        .max_by_key(|c| c["streams"].as_array().unwrap().len())
        .unwrap();
    assert!(rich["streams"].as_array().unwrap().len() >= 2, "{rich:#}");
    let numbers_before: Vec<(String, String)> = mapped
        .iter()
        .map(|c| {
            (
                c["guide_id"].as_str().unwrap().to_string(),
                c["number"].as_str().unwrap().to_string(),
            )
        })
        .collect();

    // Pin an unmatched guide channel by hand to some stream.
    let unmatched: serde_json::Value =
        serde_json::from_str(&s.ok(&["mappings", "--unmatched", "--json"], None)).unwrap();
    let target = unmatched
        .as_array()
        .unwrap()
        .first()
        .map(|c| c["guide_id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| mapped[0]["guide_id"].as_str().unwrap().to_string());
    let key = rich["streams"][0]["key"].as_str().unwrap().to_string();
    let pinned = s.ok(&["map", &target, "main", &key, "--rank", "0"], None);
    assert!(pinned.starts_with(&format!("pinned: {target}")), "{pinned}");

    // Re-sync and re-match: the pin and every number stay.
    s.ok(&["sync"], None);
    s.ok(&["match"], None);
    let after: serde_json::Value =
        serde_json::from_str(&s.ok(&["mappings", "--json"], None)).unwrap();
    let find = |id: &str| {
        after
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["guide_id"] == id)
            .unwrap()
            .clone()
    };
    let t = find(&target);
    assert!(
        t["streams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|st| st["manual"] == true && st["key"] == key.as_str()),
        "{t:#}"
    );
    for (id, number) in numbers_before {
        assert_eq!(
            find(&id)["number"].as_str().unwrap(),
            number,
            "{id} kept its number"
        );
    }
    let events = s.ok(&["events"], None);
    assert!(
        events.contains("mapping-pinned") && events.contains("sync-ok"),
        "{events}"
    );
    s.assert_no_leak();
}

#[test]
fn bad_accounts_are_refused_and_nothing_is_stored() {
    let s = Session::new();
    let user = s.sim.config().username.clone();
    let url = s.sim.base_url().to_string();
    let add = |stdin: &str| {
        s.fails(
            &[
                "account",
                "add",
                "x",
                "--url",
                &url,
                "--username",
                &user,
                "--password-stdin",
            ],
            Some(stdin),
        )
    };
    let wrong = add("not-the-password\n");
    assert!(
        wrong.contains("refused this user name or password"),
        "{wrong}"
    );

    s.sim.set_fault(Endpoint::Account, Fault::Garbage);
    assert!(add(&s.password()).contains("not JSON"), "garbage");
    s.sim.set_fault(Endpoint::Account, Fault::Truncated);
    let truncated = add(&s.password());
    assert!(truncated.contains("account `x`"), "{truncated}");
    s.sim.clear_faults();

    s.sim
        .update_config(|c| c.status = streamforge_sim::AccountStatus::Expired);
    assert!(add(&s.password()).contains("expired"), "expired");
    s.sim
        .update_config(|c| c.status = streamforge_sim::AccountStatus::Banned);
    assert!(add(&s.password()).contains("Banned"), "banned");

    let unreachable = s.fails(
        &[
            "account",
            "add",
            "x",
            "--url",
            "http://127.0.0.1:9",
            "--username",
            "u",
            "--password-stdin",
        ],
        Some("secret-pw\n"),
    );
    assert!(
        unreachable.contains("cannot reach the provider"),
        "{unreachable}"
    );
    assert!(s
        .fails(&["account", "add", "x", "--url", "not a url"], None)
        .contains("is not a URL"));
    assert!(s
        .fails(&["account", "add", "bad name!", "--url", &url], None)
        .contains("not usable"));

    assert_eq!(s.ok(&["account", "list", "--json"], None).trim(), "[]");
    s.assert_no_leak();
}

#[test]
fn a_provider_answering_garbage_keeps_the_previous_catalogue() {
    let s = Session::new();
    s.add_account("main");
    let first = s.ok(&["sync", "--account", "main"], None);
    let count: usize = first.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(count > 10, "{first}");

    for fault in [Fault::Garbage, Fault::Truncated, Fault::Status(500)] {
        s.sim.set_fault(Endpoint::Streams, fault);
        let out = s.run(&["sync", "--account", "main"], None);
        assert!(!out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("FAILED, kept {count} channels")),
            "{text}"
        );
    }
    s.sim.clear_faults();
    let list: serde_json::Value =
        serde_json::from_str(&s.ok(&["account", "list", "--json"], None)).unwrap();
    assert_eq!(list[0]["channels"], count);
    assert!(s.ok(&["events"], None).contains("previous catalogue kept"));
    let failed = s.ok(
        &["events", "--kind", "sync-failed", "--account", "main"],
        None,
    );
    assert_eq!(failed.lines().count(), 3, "{failed}");
    assert!(s
        .ok(
            &["events", "--kind", "sync-failed", "--account", "other"],
            None
        )
        .is_empty());
}

#[test]
fn guides_dry_runs_unmapping_and_a_lost_key() {
    let s = Session::new();
    s.add_account("main");
    let scratch = common::data_dir();
    let guide = scratch.path().join("guide.xml");
    let good = "<?xml version=\"1.0\"?>\n<tv><channel id=\"BBCOne.uk\"><display-name>BBC One</display-name><lcn>101</lcn></channel>\
<channel id=\"ZDF.de\"><display-name>ZDF</display-name></channel>\
<programme start=\"20260101000000 +0000\" channel=\"BBCOne.uk\"><title>News</title></programme></tv>\n";
    std::fs::write(&guide, good).unwrap();
    let path = guide.to_str().unwrap();

    // Broken guides are refused with one line and nothing is stored.
    let broken = scratch.path().join("broken.xml");
    for (bytes, expected) in [
        (
            &b"<tv><channel id=\"x\"><display-name>X</display-name></channel>"[..],
            "not usable XMLTV",
        ),
        (
            b"<html><body>502 Bad Gateway</body></html>",
            "not usable XMLTV",
        ),
        (b"{\"error\":true}", "not usable XMLTV"),
    ] {
        std::fs::write(&broken, bytes).unwrap();
        let err = s.fails(&["guide", "add", "bad", broken.to_str().unwrap()], None);
        assert!(err.contains(expected), "{err}");
    }
    assert!(s
        .fails(&["guide", "add", "bad", "/nonexistent/guide.xml"], None)
        .contains("cannot read the guide file"));
    assert!(!s.ok(&["guide", "list"], None).contains("bad"));

    let added = s.ok(&["guide", "add", "mine", path], None);
    assert_eq!(added.trim(), "added guide mine: 2 channels, 1 programmes");
    s.ok(&["sync"], None);

    // A dry run changes nothing; a real one numbers BBC One as the guide says.
    let dry = s.ok(&["match", "--dry-run"], None);
    assert!(dry.starts_with("would match 2 of 2"), "{dry}");
    assert!(s.ok(&["mappings"], None).contains("(no stream)"));
    s.ok(&["match"], None);
    let bbc: serde_json::Value =
        serde_json::from_str(&s.ok(&["mappings", "--channel", "BBCOne.uk", "--json"], None))
            .unwrap();
    assert_eq!(bbc[0]["number"], "101");
    let first = bbc[0]["streams"][0].clone();
    assert!(bbc[0]["streams"].as_array().unwrap().len() >= 2, "{bbc:#}");
    // Best quality first.
    assert_eq!(first["quality"], "Uhd", "{bbc:#}");

    // The guide file breaks: sync keeps the previous guide.
    std::fs::write(&guide, "<tv><channel").unwrap();
    let out = s.run(&["sync"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("guide mine: FAILED, kept the previous guide"));
    assert!(s.ok(&["guide", "list"], None).contains("       2"));

    // Unmap one stream.
    let key = first["key"].as_str().unwrap();
    s.ok(&["unmap", "BBCOne.uk", "main", key], None);
    let err = s.fails(&["unmap", "BBCOne.uk", "main", key], None);
    assert!(err.contains("has no mapping"), "{err}");
    assert!(s
        .fails(&["map", "Nope.uk", "main", key], None)
        .contains("no guide channel has the id `Nope.uk`"));
    assert!(s
        .fails(&["map", "BBCOne.uk", "main", "999999999"], None)
        .contains("has no channel with key"));

    // Losing the key: a clear error naming the account, not garbage.
    std::fs::remove_file(s.data.path().join("secret.key")).unwrap();
    let err = s.fails(&["account", "test", "main"], None);
    assert!(
        err.contains("main") && err.contains("cannot be decrypted"),
        "{err}"
    );
    assert!(s
        .ok(&["guide", "remove", "mine"], None)
        .starts_with("removed guide mine"));
    s.assert_no_leak();
}
