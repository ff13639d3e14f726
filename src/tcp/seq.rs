//! Sequence-number arithmetic: 32-bit raw numbers on a circle (RFC 9293 §3.4),
//! unwrapped into 64-bit offsets so "before" and "after" stay meaningful across
//! the 2³² wrap.

/// Unwraps a 32-bit value relative to a base into a signed 64-bit offset, choosing
/// the representative closest to `near` (an offset already known to be close, such
/// as the next expected one). RFC 9293 §3.4: comparisons are modulo 2³², valid
/// while the two numbers are less than 2³¹ apart.
pub fn unwrap(raw: u32, base: u32, near: i64) -> i64 {
    let rel = raw.wrapping_sub(base);
    let diff = rel.wrapping_sub(near as u32) as i32;
    near + i64::from(diff)
}

/// True when the segment `[raw, raw + len)` crosses the 2³² boundary.
pub fn crosses_wrap(raw: u32, len: u32) -> bool {
    len > 0 && raw.checked_add(len - 1).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_across_the_circle() {
        let base = u32::MAX - 10;
        assert_eq!(unwrap(base.wrapping_add(1), base, 0), 1);
        assert_eq!(unwrap(5, base, 10), 16);
        assert_eq!(unwrap(base, base, 16), 0);
        // Far beyond 2^32 of data: stays monotone.
        let near = (1i64 << 32) + 100;
        assert_eq!(
            unwrap(base.wrapping_add(120), base, near),
            (1i64 << 32) + 120
        );
        assert_eq!(unwrap(base.wrapping_add(90), base, near), (1i64 << 32) + 90);
        // Before the base.
        assert_eq!(unwrap(base.wrapping_sub(3), base, 0), -3);
    }

    #[test]
    fn wrap_detection() {
        assert!(crosses_wrap(u32::MAX - 1, 3));
        assert!(!crosses_wrap(u32::MAX - 1, 2));
        assert!(!crosses_wrap(u32::MAX, 0));
    }
}
