//! `match`, `mappings`, `map`, `unmap` and `events`.

use super::backend::Backend;
use crate::api::MapRequest;
use crate::data_dir::DataDir;
use crate::matching::{MappingsQuery, LOW_CONFIDENCE};
use anyhow::bail;
use clap::Args;

/// `mappings` options.
#[derive(Debug, Args)]
pub struct MappingsArgs {
    /// Only guide channels without any stream.
    #[arg(long)]
    unmatched: bool,
    /// Only this guide channel id.
    #[arg(long)]
    channel: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also what each stream measured when it played (resolution, codecs,
    /// bitrate) and its score with the reasons.
    #[arg(long)]
    stats: bool,
}

/// `map GUIDE_ID ACCOUNT KEY [--rank N]`.
#[derive(Debug, Args)]
pub struct MapArgs {
    /// Guide channel id (as in `streamforge mappings`).
    guide_id: String,
    /// The account the stream belongs to.
    account: String,
    /// The stream's key in that account's catalogue.
    key: String,
    /// Order among the channel's streams, 0 first.
    #[arg(long, default_value_t = 0)]
    rank: u32,
}

/// `unmap GUIDE_ID ACCOUNT KEY`.
#[derive(Debug, Args)]
pub struct UnmapArgs {
    /// Guide channel id (as in `streamforge mappings`).
    guide_id: String,
    /// The account the stream belongs to.
    account: String,
    /// The stream's key in that account's catalogue.
    key: String,
}

/// `match`.
pub async fn run_match(data: &DataDir, dry_run: bool) -> anyhow::Result<()> {
    let s = Backend::connect(data)?.run_match(dry_run).await?;
    let verb = if s.dry_run { "would match" } else { "matched" };
    println!("{verb} {} {}", s.counts(), s.details());
    println!(
        "  unmatched: {}   low confidence (< {LOW_CONFIDENCE}): {}",
        s.unmatched, s.low_confidence
    );
    if s.guide_channels == 0 {
        println!("  no guide channels: add a guide first (`streamforge guide add NAME URL|PATH`)");
    }
    Ok(())
}

/// `mappings`.
pub async fn mappings(data: &DataDir, args: MappingsArgs) -> anyhow::Result<()> {
    let query = MappingsQuery {
        unmatched: args.unmatched,
        channel: args.channel,
    };
    let list = Backend::connect(data)?.mappings(&query).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for c in &list {
        let number = c.number.as_deref().unwrap_or("-");
        println!("{number:>6}  {}  {}", c.guide_id, c.name);
        if c.streams.is_empty() {
            println!("          (no stream)");
        }
        // In the order the relay tries them now (what they measured counts).
        for (i, s) in c.streams.iter().enumerate() {
            let pin = if s.manual { " pinned" } else { "" };
            let measured = s.stats.as_ref().and_then(|m| m.measured);
            let tier = match measured {
                Some(m) if m != s.quality => format!("{} (measures {})", s.quality, m.label()),
                _ => s.quality.to_string(),
            };
            println!(
                "          {i}. {}/{}  {tier}  {:.2}{pin}  {}",
                s.account, s.key, s.confidence, s.name
            );
            if args.stats {
                if let Some(stats) = &s.stats {
                    println!("             score {}: {}", stats.score, stats.explained);
                }
            }
        }
    }
    Ok(())
}

/// `map`.
pub async fn map(data: &DataDir, args: MapArgs) -> anyhow::Result<()> {
    let request = MapRequest {
        guide_id: args.guide_id,
        account: args.account,
        key: args.key,
        rank: args.rank,
    };
    let c = Backend::connect(data)?.map(request).await?;
    println!(
        "pinned: {} ({}) now has {} stream(s); number {}",
        c.guide_id,
        c.name,
        c.streams.len(),
        c.number.as_deref().unwrap_or("-")
    );
    Ok(())
}

/// `unmap`.
pub async fn unmap(data: &DataDir, args: UnmapArgs) -> anyhow::Result<()> {
    let request = MapRequest {
        guide_id: args.guide_id.clone(),
        account: args.account,
        key: args.key,
        rank: 0,
    };
    Backend::connect(data)?.unmap(request).await?;
    println!("removed the mapping from {}", args.guide_id);
    Ok(())
}

/// Which events `events` shows.
#[derive(Debug, Default)]
pub struct EventFilter {
    pub kind: Option<String>,
    pub account: Option<String>,
}

impl EventFilter {
    fn keeps(&self, e: &crate::events::Event) -> bool {
        self.kind.as_deref().is_none_or(|k| e.kind == k)
            && self
                .account
                .as_deref()
                .is_none_or(|a| e.account.as_deref() == Some(a))
    }
}

/// `events [--follow] [--kind K] [--account A]`.
pub async fn events(
    data: &DataDir,
    follow: bool,
    json: bool,
    filter: &EventFilter,
) -> anyhow::Result<()> {
    let backend = Backend::connect(data)?;
    if follow && matches!(backend, Backend::Local(_)) {
        bail!("--follow needs a running server (`streamforge serve`); without one nothing new happens");
    }
    let mut after = 0;
    loop {
        for e in backend.events(after).await? {
            after = after.max(e.id);
            if !filter.keeps(&e) {
                continue;
            }
            if json {
                println!("{}", serde_json::to_string(&e)?);
            } else {
                let mut who = Vec::new();
                who.extend(e.account.as_deref().map(|a| format!("account={a}")));
                who.extend(e.channel.as_deref().map(|c| format!("channel={c}")));
                who.extend(e.plugin.as_deref().map(|p| format!("plugin={p}")));
                who.extend(e.session.as_deref().map(|s| format!("session={s}")));
                println!(
                    "{}  {:<22} {} {}",
                    date_ms(e.time_ms),
                    e.kind,
                    e.detail,
                    who.join(" ")
                );
            }
        }
        if !follow {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// `YYYY-MM-DD` of Unix seconds (UTC).
pub fn date(secs: i64) -> String {
    let t = crate::clock::utc(secs.max(0) as u64);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

fn date_ms(ms: u64) -> String {
    let t = crate::clock::utc(ms / 1000);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_700_000_000), "2023-11-14");
        assert_eq!(super::date(951_782_400), "2000-02-29");
    }
}
