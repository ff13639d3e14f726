//! The lessons and captures that ship inside the binary, so `sockscope
//! lesson NAME` works from any directory. A test checks that every file in
//! `lessons/` and `captures/` is listed here.

/// Every shipped lesson: (name, Markdown), in the order a course takes them.
pub const LESSONS: &[(&str, &str)] = &[
    ("listening", include_str!("../../lessons/listening.md")),
    ("handshake", include_str!("../../lessons/handshake.md")),
    (
        "smtp-dialogue",
        include_str!("../../lessons/smtp-dialogue.md"),
    ),
    ("multiline", include_str!("../../lessons/multiline.md")),
    ("ccnotes", include_str!("../../lessons/ccnotes.md")),
    ("pipelining", include_str!("../../lessons/pipelining.md")),
    ("slow-reader", include_str!("../../lessons/slow-reader.md")),
    (
        "dot-stuffing",
        include_str!("../../lessons/dot-stuffing.md"),
    ),
    ("pop3-fetch", include_str!("../../lessons/pop3-fetch.md")),
    (
        "percent-relay",
        include_str!("../../lessons/percent-relay.md"),
    ),
    ("loss", include_str!("../../lessons/loss.md")),
    ("reset", include_str!("../../lessons/reset.md")),
    ("kernel-knew", include_str!("../../lessons/kernel-knew.md")),
];

/// Every shipped capture: (file name in `captures/`, bytes). Of the
/// calibration recordings only those a lesson plays are shipped.
pub const CAPTURES: &[(&str, &[u8])] = &[
    (
        "ccnotes.pcapng",
        include_bytes!("../../captures/ccnotes.pcapng"),
    ),
    (
        "ccnotes-fixed.pcapng",
        include_bytes!("../../captures/ccnotes-fixed.pcapng"),
    ),
    (
        "calibration/dovecot--fetchmail--postfix.pcapng",
        include_bytes!("../../captures/calibration/dovecot--fetchmail--postfix.pcapng"),
    ),
    (
        "kernel-knew.pcapng",
        include_bytes!("../../captures/kernel-knew.pcapng"),
    ),
    (
        "late-accept.pcapng",
        include_bytes!("../../captures/late-accept.pcapng"),
    ),
    (
        "listening.pcapng",
        include_bytes!("../../captures/listening.pcapng"),
    ),
    (
        "clean.pcapng",
        include_bytes!("../../captures/clean.pcapng"),
    ),
    (
        "dot-stuffing.pcapng",
        include_bytes!("../../captures/dot-stuffing.pcapng"),
    ),
    (
        "multiline.pcapng",
        include_bytes!("../../captures/multiline.pcapng"),
    ),
    (
        "percent-relay.pcapng",
        include_bytes!("../../captures/percent-relay.pcapng"),
    ),
    (
        "pipelining-abuse.pcapng",
        include_bytes!("../../captures/pipelining-abuse.pcapng"),
    ),
    (
        "pipelining.pcapng",
        include_bytes!("../../captures/pipelining.pcapng"),
    ),
    (
        "pop3-fetch.pcapng",
        include_bytes!("../../captures/pop3-fetch.pcapng"),
    ),
    ("loss.pcapng", include_bytes!("../../captures/loss.pcapng")),
    (
        "reset.pcapng",
        include_bytes!("../../captures/reset.pcapng"),
    ),
    (
        "slow-reader.pcapng",
        include_bytes!("../../captures/slow-reader.pcapng"),
    ),
    (
        "smuggling.pcapng",
        include_bytes!("../../captures/smuggling.pcapng"),
    ),
];

/// A shipped lesson's text.
pub fn lesson(name: &str) -> Option<&'static str> {
    LESSONS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// A shipped capture's bytes.
pub fn capture(name: &str) -> Option<&'static [u8]> {
    let name = name.strip_prefix("captures/").unwrap_or(name);
    CAPTURES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn files(dir: &str, ext: &str) -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut out: Vec<String> = std::fs::read_dir(root)
            .expect("folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(ext))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn every_lesson_file_ships() {
        for f in files("lessons", ".md") {
            if f == "README.md" {
                continue;
            }
            let name = f.trim_end_matches(".md");
            assert!(
                super::lesson(name).is_some(),
                "lessons/{f} is not in shipped::LESSONS"
            );
        }
    }

    #[test]
    fn every_capture_ships() {
        for f in files("captures", ".pcapng") {
            assert!(
                super::capture(&f).is_some(),
                "captures/{f} is not in shipped::CAPTURES"
            );
        }
    }
}
