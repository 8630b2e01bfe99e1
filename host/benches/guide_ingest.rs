//! Ingest benchmark: generates a ~200 MB XMLTV guide (20 MB with `--quick`) by
//! streaming writes, ingests it into a prepared file, re-serves it as XMLTV, and
//! prints size, counts, throughput and peak RSS (VmHWM).

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use streamforge::guide::{
    ingest, write_channel, write_footer, write_header, ChannelSelection, IngestLimits,
    ProgrammeReader,
};

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn generate(path: &std::path::Path, channels: usize, per_channel: usize) -> std::io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n<tv generator-info-name=\"bench\">\n")?;
    for c in 0..channels {
        writeln!(w, "  <channel id=\"ch{c}.bench\">\n    <display-name>Channel {c}</display-name>\n    <display-name>{c}</display-name>\n    <icon src=\"http://logos.example/{c}.png\"/>\n  </channel>")?;
    }
    for c in 0..channels {
        for p in 0..per_channel {
            let (d, h) = (1 + p / 24, p % 24);
            writeln!(
                w,
                "  <programme start=\"202401{d:02}{h:02}0000 +0000\" stop=\"202401{d:02}{h:02}5900 +0000\" channel=\"ch{c}.bench\">\n    <title lang=\"en\">Programme {p} on channel {c} &amp; friends</title>\n    <sub-title>Episode {p}</sub-title>\n    <desc lang=\"en\">A description of programme {p} with some ümlauts, &lt;markup&gt; and enough words to look like a real guide entry.</desc>\n    <category lang=\"en\">Documentary</category>\n    <episode-num system=\"xmltv_ns\">0.{p}.0/1</episode-num>\n  </programme>"
            )?;
        }
    }
    w.write_all(b"</tv>\n")?;
    w.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (channels, per_channel) = if quick { (1_000, 40) } else { (10_000, 43) };
    let dir = tempfile::tempdir()?;
    let xml = dir.path().join("guide.xml");
    let size = generate(&xml, channels, per_channel)?;
    let mb = size as f64 / 1e6;
    reset_peak();
    let rss_before = vm_hwm_kb();

    let prepared = dir.path().join("programmes.prepared");
    let started = Instant::now();
    let guide = ingest(
        File::open(&xml)?,
        File::create(&prepared)?,
        &IngestLimits::default(),
    )?;
    let ingest_secs = started.elapsed().as_secs_f64();
    let rss_ingest = vm_hwm_kb();

    // Re-serve every channel as XMLTV, streaming from the prepared file.
    let started = Instant::now();
    let out_path = dir.path().join("xmltv.xml");
    let mut out = BufWriter::with_capacity(256 * 1024, File::create(&out_path)?);
    write_header(&mut out)?;
    for c in &guide.channels {
        write_channel(&mut out, &c.id, &c.names, c.icon.as_deref())?;
    }
    let selection = ChannelSelection::identity(guide.channels.iter().map(|c| c.id.clone()));
    let mut reader =
        ProgrammeReader::new(BufReader::with_capacity(256 * 1024, File::open(&prepared)?))?;
    let served = reader.copy_selected(&selection, &mut out)?;
    write_footer(&mut out)?;
    out.flush()?;
    let serve_secs = started.elapsed().as_secs_f64();
    let out_size = std::fs::metadata(&out_path)?.len();
    let rss_serve = vm_hwm_kb();

    println!(
        "guide_ingest benchmark{}",
        if quick { " (--quick)" } else { "" }
    );
    println!("{:<28} {:>14}", "metric", "value");
    println!("{:<28} {:>14.1}", "input size (MB)", mb);
    println!("{:<28} {:>14}", "channels", guide.summary.channels);
    println!("{:<28} {:>14}", "programmes", guide.summary.programmes);
    println!("{:<28} {:>14}", "skipped", guide.summary.skipped_total());
    println!("{:<28} {:>14.2}", "ingest elapsed (s)", ingest_secs);
    println!(
        "{:<28} {:>14.1}",
        "ingest throughput (MB/s)",
        mb / ingest_secs
    );
    println!(
        "{:<28} {:>14.1}",
        "peak RSS before ingest (MB)",
        rss_before as f64 / 1024.0
    );
    println!(
        "{:<28} {:>14.1}",
        "peak RSS after ingest (MB)",
        rss_ingest as f64 / 1024.0
    );
    println!(
        "{:<28} {:>14.1}",
        "prepared file (MB)",
        std::fs::metadata(&prepared)?.len() as f64 / 1e6
    );
    println!("{:<28} {:>14}", "programmes re-served", served);
    println!(
        "{:<28} {:>14.1}",
        "xmltv output (MB)",
        out_size as f64 / 1e6
    );
    println!("{:<28} {:>14.2}", "re-serve elapsed (s)", serve_secs);
    println!(
        "{:<28} {:>14.1}",
        "peak RSS after re-serve (MB)",
        rss_serve as f64 / 1024.0
    );
    assert_eq!(guide.summary.programmes, (channels * per_channel) as u64);
    assert_eq!(served, guide.summary.programmes);
    Ok(())
}
