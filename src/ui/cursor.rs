//! What is at the cursor: the state looked up in the data, read-only. The
//! panes draw from these, and [`super::update`] moves the cursor with them.
//! Each is a few index look-ups, whatever the capture's size.

use super::data::{Data, RowKind};
use super::state::ViewState;
use crate::tcp::SegmentRecord;
use crate::timeline::KernelAt;

impl ViewState {
    /// The segment at the cursor.
    pub fn segment<'d>(&self, d: &'d Data) -> Option<&'d SegmentRecord> {
        d.segment(self.conn, self.pos)
    }

    pub fn cursor_frame(&self, d: &Data) -> Option<u64> {
        self.segment(d).map(|s| s.frame)
    }

    /// Segments in the selected connection.
    pub fn seg_count(&self, d: &Data) -> usize {
        d.seg_count(self.conn)
    }

    /// Length of the findings pane's list: the connection's findings, then
    /// the capture's own.
    pub fn findings_len(&self, d: &Data) -> usize {
        d.findings_of(self.conn).len() + d.findings_of(0).len()
    }

    /// Item `k` of the findings pane's list, as a position in `timeline.findings`.
    pub fn finding_at(&self, d: &Data, k: usize) -> Option<u32> {
        let own = d.findings_of(self.conn);
        match own.get(k) {
            Some(&i) => Some(i),
            None => d.findings_of(0).get(k - own.len()).copied(),
        }
    }

    /// The dialogue row at the cursor: the last one that started by now.
    pub fn row_at_cursor(&self, d: &Data) -> Option<usize> {
        let f = self.cursor_frame(d)?;
        let rows = d.rows_of(self.conn);
        if let Some(k) = self
            .row_pick
            .filter(|&k| rows.get(k).is_some_and(|r| r.last == f))
        {
            return Some(k);
        }
        let n = rows.partition_point(|r| r.last <= f);
        // A row this very segment completed is the current one; else one
        // still arriving (started, not ended; look a few rows ahead, since
        // rows are ordered by their last byte), else the last one done.
        if n > 0 && rows[n - 1].last == f {
            return Some(n - 1);
        }
        if let Some(k) = (n..rows.len().min(n + 16)).find(|&k| rows[k].first <= f) {
            return Some(k);
        }
        n.checked_sub(1)
    }

    /// The kind of a dialogue row of the selected connection.
    pub fn row_kind(&self, d: &Data, row: usize) -> Option<RowKind> {
        d.rows_of(self.conn).get(row).map(|r| r.kind)
    }

    /// The kernel at the cursor and just before it.
    pub fn kernel_now_and_before(&self, d: &Data) -> (Option<KernelAt>, Option<KernelAt>) {
        (self.kernel_at(d, 0), self.kernel_at(d, 1))
    }

    /// The kernel `back` segments before the cursor.
    pub fn kernel_at(&self, d: &Data, back: usize) -> Option<KernelAt> {
        let pos = self.pos.checked_sub(back)?;
        d.kernel.at(&d.timeline, self.conn, pos)
    }
}
