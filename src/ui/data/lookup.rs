//! Look-ups into the analysed capture that several panes share: a frame's
//! index entry by number, the findings raised at a frame, and the
//! connections a picker filter leaves. Each is a binary search or an index,
//! never a scan per draw (except the picker's filter, which the user types).

use super::model::Data;
use crate::finding::Finding;
use crate::timeline::FrameIndex;

/// The connections a picker filter leaves, without listing all of them
/// when there is no filter (a capture may hold millions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickerRows {
    All(usize),
    Some(Vec<u32>),
}

impl PickerRows {
    pub fn len(&self) -> usize {
        match self {
            PickerRows::All(n) => *n,
            PickerRows::Some(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The connection id of row `i`.
    pub fn get(&self, i: usize) -> Option<u32> {
        match self {
            PickerRows::All(n) => (i < *n).then_some(i as u32 + 1),
            PickerRows::Some(v) => v.get(i).copied(),
        }
    }
}

impl Data {
    /// Frame `number`'s index entry (frames are numbered from 1, in order).
    pub fn frame_info(&self, number: u64) -> Option<&FrameIndex> {
        self.timeline
            .frames
            .get((number as usize).wrapping_sub(1))
            .filter(|f| f.number == number)
    }

    /// Findings of a connection raised at a frame (binary search).
    pub fn findings_at(&self, conn: u32, frame: u64) -> impl Iterator<Item = &Finding> {
        let t = &self.timeline;
        let list = self.findings_of(conn);
        let start =
            list.partition_point(|&i| t.findings.get(i as usize).is_some_and(|f| f.frame < frame));
        list[start..]
            .iter()
            .filter_map(move |&i| t.findings.get(i as usize))
            .take_while(move |f| f.frame == frame)
    }

    /// Connections the picker shows for a filter: those whose id,
    /// endpoints, protocol or history hold it (ASCII case ignored).
    pub fn picker_rows(&self, filter: &str) -> PickerRows {
        let t = &self.timeline;
        if filter.is_empty() {
            return PickerRows::All(t.connections.len());
        }
        let needle = filter.to_ascii_lowercase();
        PickerRows::Some(
            t.connections
                .iter()
                .filter(|c| {
                    let proto = c.protocol.map_or("", |p| p.name());
                    format!("{} {} {} {proto} {}", c.id, c.client, c.server, c.history)
                        .to_ascii_lowercase()
                        .contains(&needle)
                })
                .map(|c| c.id)
                .collect(),
        )
    }
}
