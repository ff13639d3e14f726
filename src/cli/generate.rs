//! `sockscope generate OUT --size 1G`: a big, realistic, deterministic SMTP
//! capture for benchmarks (`bench/compare.sh`, BENCHMARKS.md), streamed to
//! disk; prints the totals a correct decoder must report as one JSON object.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use sockscope::synth::{generate, Options, Shape};

#[derive(Clone, Copy, ValueEnum)]
pub enum ShapeArg {
    /// Realistic mail sessions of varied sizes.
    Mail,
    /// Handshake, 220, close: a flood of tiny sessions.
    Tiny,
    /// One unanswered SYN per session: a SYN flood.
    Syn,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// The pcap file to write (`-` for standard output).
    pub out: PathBuf,
    /// Size to reach, in bytes, with an optional K, M or G suffix (powers of 1024).
    #[arg(long, default_value = "10M", value_name = "SIZE")]
    pub size: String,
    /// The seed: the same seed and size make the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// SMTP sessions open at once (interleaved in the capture).
    #[arg(long, default_value_t = 64)]
    pub concurrent: usize,
    /// What each session is.
    #[arg(long, value_enum, default_value = "mail")]
    pub shape: ShapeArg,
    /// Stop after this many sessions, whatever the size reached.
    #[arg(long, value_name = "N")]
    pub sessions: Option<u64>,
}

pub fn run(a: &GenerateArgs) -> Result<ExitCode> {
    let o = Options {
        size: if a.sessions.is_some() && a.size == "10M" {
            u64::MAX
        } else {
            parse_size(&a.size)?
        },
        seed: a.seed,
        concurrent: a.concurrent.clamp(1, 100_000),
        shape: match a.shape {
            ShapeArg::Mail => Shape::Mail,
            ShapeArg::Tiny => Shape::Tiny,
            ShapeArg::Syn => Shape::Syn,
        },
        sessions: a.sessions.unwrap_or(0),
    };
    let totals = if a.out.as_os_str() == "-" {
        generate(BufWriter::with_capacity(1 << 20, io::stdout().lock()), o)
    } else {
        let file =
            File::create(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
        generate(BufWriter::with_capacity(1 << 20, file), o)
    }
    .with_context(|| format!("writing {}", a.out.display()))?;
    let mut err = io::stderr().lock();
    serde_json::to_writer(&mut err, &totals)?;
    writeln!(err)?;
    Ok(ExitCode::SUCCESS)
}

/// `10M`, `1G`, `500000`.
fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    let n: u64 = digits
        .parse()
        .with_context(|| format!("--size {s:?}: expected a number with an optional K, M or G"))?;
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => bail!("--size {s:?}: unknown unit {unit:?} (use K, M or G)"),
    };
    n.checked_mul(1 << shift)
        .with_context(|| format!("--size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("10M").unwrap(), 10 << 20);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("3T").is_err());
    }
}
