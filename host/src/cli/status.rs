//! `status`: tuners in use, the channels playing (source, viewers, rate) and
//! each account's connections.

use super::backend::Backend;
use crate::data_dir::DataDir;

/// Prints the relay's state.
pub async fn run(data: &DataDir, json: bool) -> anyhow::Result<()> {
    let backend = Backend::connect(data)?;
    let running = matches!(backend, Backend::Remote(_));
    let status = backend.status().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    if !running {
        println!("StreamForge is not running (start it with `streamforge serve`).");
    }
    println!(
        "tuners: {} of {} in use",
        status.tuners_in_use, status.tuners
    );
    for l in status.lineups.iter().skip(1) {
        println!(
            "  lineup {}: {} of {} tuners in use",
            l.name, l.in_use, l.tuners
        );
    }
    if status.sessions.is_empty() {
        println!("no channel is playing");
    }
    for s in &status.sessions {
        let source = match (&s.account, &s.stream_key, &s.quality) {
            (Some(a), Some(k), Some(q)) => format!("{a}/{k} {q}"),
            _ => "starting".to_string(),
        };
        let failovers = match s.failovers {
            0 => String::new(),
            n => format!("  {n} failover(s)"),
        };
        println!(
            "  {:>6}  {:<28} {:<24} {} viewer(s)  {:.1} Mbit/s  {:.1} MB received  session {} {}{failovers}",
            s.channel,
            s.name,
            source,
            s.viewers,
            s.rate as f64 * 8.0 / 1e6,
            s.bytes as f64 / 1e6,
            s.id,
            s.health,
        );
        if let Some(video) = &s.measured.video {
            let audio = s.measured.audio.as_deref().unwrap_or("no sound read yet");
            let claim = match (&s.quality, &s.measured.tier) {
                (Some(q), Some(t)) if q != t => format!(" (named {q}, measured {t})"),
                _ => String::new(),
            };
            println!("          measured: {video}, {audio}{claim}");
        }
        // The channel's streams as ranked now, when there is a choice.
        if s.streams.len() > 1 {
            for (i, r) in s.streams.iter().enumerate() {
                let mark = if r.playing { "▶" } else { " " };
                println!(
                    "        {mark} {}. {} score {}: {}",
                    i + 1,
                    r.label,
                    r.stats.score,
                    r.stats.explained
                );
            }
        }
    }
    for a in &status.accounts {
        println!(
            "account {}: {} of {} connection(s) in use",
            a.name, a.in_use, a.limit
        );
    }
    for p in &status.put_back {
        println!(
            "put back (tried after the others, skipped by failovers): {}: {}",
            p.source, p.why
        );
    }
    for c in &status.cameras {
        let state = match (c.streaming, c.online) {
            (false, _) => "idle".to_string(),
            (true, true) => format!("streaming, {} viewer(s)", c.viewers),
            (true, false) => format!(
                "offline ({}), {} viewer(s) waiting",
                c.reason.as_deref().unwrap_or("connecting"),
                c.viewers
            ),
        };
        println!("camera {}: {state}", c.id);
    }
    if running {
        let lag = &status.runtime_lag;
        println!(
            "runtime lag: {:.1} ms at most in the last minute ({:.1} ms since start; 99 % within {} ms)",
            lag.last_minute_max_ms, lag.max_ms, lag.p99_ms
        );
    }
    Ok(())
}
