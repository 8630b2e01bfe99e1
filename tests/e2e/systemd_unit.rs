//! The systemd unit in examples/systemd passes `systemd-analyze verify`
//! (pointed at the built binary: verify checks that ExecStart exists) with
//! no warning, and keeps the settings the deployment story relies on.

use std::process::Command;

const UNIT: &str = include_str!("../../examples/systemd/streamforge.service");

#[test]
fn the_systemd_unit_verifies_and_is_hardened() {
    for line in [
        "User=streamforge",
        "StateDirectory=streamforge",
        "Environment=STREAMFORGE_DATA=%S/streamforge",
        "ExecStart=/usr/local/bin/streamforge serve",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK",
        "CapabilityBoundingSet=",
        "LimitNOFILE=65536",
    ] {
        assert!(
            UNIT.lines().any(|l| l == line),
            "examples/systemd/streamforge.service lacks `{line}`"
        );
    }
    assert!(
        !UNIT.contains("AmbientCapabilities"),
        "port 5004 needs none"
    );

    let found = Command::new("systemd-analyze").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "systemd-analyze is missing: install the Debian package `systemd` (scripts/setup does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("streamforge.service");
    let binary = streamforge_testkit::binary();
    let text = UNIT.replace(
        "ExecStart=/usr/local/bin/streamforge",
        &format!("ExecStart={}", binary.display()),
    );
    std::fs::write(&unit, text).unwrap();
    let mut cmd = Command::new("systemd-analyze");
    cmd.arg("verify").arg(&unit);
    let out =
        streamforge_testkit::process::run_bounded(cmd, "", streamforge_testkit::process::CLI_LIMIT)
            .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let about_unit: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("streamforge.service"))
        .collect();
    assert!(
        out.status.success() && about_unit.is_empty(),
        "systemd-analyze verify ({}): {stderr}",
        out.status
    );
}
