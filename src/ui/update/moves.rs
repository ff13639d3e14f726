//! An [`Update`] (the state being changed, with the data it reads), and
//! moving the cursor with it: to a position, a frame, the newest segment, a
//! finding (n / N), a connection; and refreshing what follows the cursor
//! (the findings selection, the scrolls it resets). Moving costs a few index
//! look-ups, whatever the capture's size.

use crate::timeline::FrameStore;
use crate::ui::data::Data;
use crate::ui::state::ViewState;

/// The state being changed, with the data it reads.
pub struct Update<'a> {
    pub state: &'a mut ViewState,
    pub data: &'a Data,
    /// Where frames are read back from (search reads payloads).
    pub store: &'a FrameStore,
}

impl Update<'_> {
    /// Moves the cursor (clamped) and refreshes what depends on it.
    pub fn goto(&mut self, conn: u32, pos: usize) {
        let s = &mut *self.state;
        s.conn = conn;
        s.pos = pos.min(self.data.seg_count(conn).saturating_sub(1));
        s.row_pick = None;
        self.sync();
    }

    pub fn step(&mut self, by: isize) {
        let target = self.state.pos.saturating_add_signed(by);
        self.goto(self.state.conn, target);
    }

    pub fn goto_newest(&mut self) {
        let last = self.data.timeline.segments.last().map(|s| s.frame);
        if let Some((conn, pos)) = last.and_then(|f| self.data.locate(f)) {
            self.goto(conn, pos);
        }
    }

    /// Moves the cursor to a frame of any connection.
    pub fn goto_frame(&mut self, frame: u64) -> bool {
        if let Some((conn, pos)) = self.data.locate(frame) {
            self.goto(conn, pos);
            return true;
        }
        false
    }

    /// The cursor to the segment at or after `frame` in the connection.
    pub fn goto_frame_in(&mut self, conn: u32, frame: u64) {
        let idx = self.data.kernel.segments_of(conn);
        let segs = &self.data.timeline.segments;
        let pos = idx.partition_point(|&i| segs.get(i as usize).is_some_and(|s| s.frame < frame));
        self.goto(conn, pos);
    }

    pub fn open_connection(&mut self, id: u32) {
        self.state.follow = false;
        self.goto(id, 0);
        self.state.status = Some(format!("connection {id}"));
    }

    /// After newer data came (the rest indexed, or more live frames): the
    /// cursor back on the frame it was on, or the newest while following.
    pub fn relocate(&mut self, frame: Option<u64>) {
        if self.state.live && self.state.follow {
            self.goto_newest();
            return;
        }
        match frame.and_then(|f| self.data.locate(f)) {
            Some((conn, pos)) => self.goto(conn, pos),
            None => {
                let t = &self.data.timeline;
                let s = &mut *self.state;
                if s.conn == 0 || t.connection(s.conn).is_none() {
                    s.conn = u32::from(!t.connections.is_empty());
                }
                self.goto(self.state.conn, self.state.pos);
            }
        }
    }

    /// Refreshes the state derived from the cursor: the findings selection
    /// and the scrolls that follow the cursor.
    pub fn sync(&mut self) {
        let s = &mut *self.state;
        s.scroll.nic = 0;
        s.scroll.socket_back = 0;
        let Some(number) = s.cursor_frame(self.data) else {
            return;
        };
        // The finding at or before the cursor, in the findings pane's list
        // (the connection's come first, in frame order: a binary search).
        let t = &self.data.timeline;
        let own = self.data.findings_of(s.conn);
        let k = own.partition_point(|&i| {
            t.findings
                .get(i as usize)
                .is_some_and(|f| f.frame <= number)
        });
        s.finding_sel = k.saturating_sub(1);
    }

    pub fn select_finding(&mut self, sel: usize) {
        let Some(f) = self
            .state
            .finding_at(self.data, sel)
            .and_then(|i| self.data.timeline.findings.get(i as usize))
        else {
            return;
        };
        let (conn, frame) = (f.conn, f.frame);
        if !self.goto_frame(frame) && conn != 0 {
            self.goto_frame_in(conn, frame);
        }
        // Several findings can share a frame: keep the one chosen.
        self.state.finding_sel = sel;
    }

    /// n / N: the next or previous finding, in this connection first, then in
    /// the connections after (before) it.
    pub fn finding_jump(&mut self, forward: bool) {
        let Some(here) = self.state.cursor_frame(self.data) else {
            return;
        };
        if let Some(i) = self.finding_in_connection(here, forward) {
            // Its place in the list: the connection's own come first.
            let own = self.data.findings_of(self.state.conn);
            let sel = own.iter().position(|&x| x == i).unwrap_or(0);
            self.select_finding(sel);
            return;
        }
        if self.finding_in_other_connections(forward) {
            return;
        }
        self.state.status = Some(if forward {
            "no later finding".to_string()
        } else {
            "no earlier finding".to_string()
        });
    }

    /// The next (previous) finding of the cursor's connection, from the
    /// cursor's frame `here`.
    fn finding_in_connection(&self, here: u64, forward: bool) -> Option<u32> {
        let t = &self.data.timeline;
        let frame_of = |i: u32| t.findings.get(i as usize).map_or(0, |f| f.frame);
        let own = self.data.findings_of(self.state.conn);
        let sel = self.state.finding_sel;
        // Several findings at one frame (the ccNotes HELO has two) are
        // visited one by one: from the selected one when it is at the cursor.
        let selected_here = own.get(sel).is_some_and(|&i| frame_of(i) == here);
        if selected_here {
            let k = if forward {
                sel.checked_add(1)
            } else {
                sel.checked_sub(1)
            };
            k.and_then(|k| own.get(k)).copied()
        } else if forward {
            let k = own.partition_point(|&i| frame_of(i) <= here);
            own.get(k).copied()
        } else {
            let k = own.partition_point(|&i| frame_of(i) < here);
            k.checked_sub(1).and_then(|k| own.get(k)).copied()
        }
    }

    /// The first (last) finding of the connections after (before) the
    /// cursor's, in order; false when there is none.
    fn finding_in_other_connections(&mut self, forward: bool) -> bool {
        let t = &self.data.timeline;
        let n = t.connections.len() as u32;
        let conn = self.state.conn;
        let others: Box<dyn Iterator<Item = u32>> = if forward {
            Box::new(conn + 1..=n)
        } else {
            Box::new((1..conn).rev())
        };
        for c in others {
            let list = self.data.findings_of(c);
            let pick = if forward { list.first() } else { list.last() };
            if let Some(&i) = pick {
                let frame = t.findings.get(i as usize).map_or(0, |f| f.frame);
                if !self.goto_frame(frame) {
                    self.goto_frame_in(c, frame);
                }
                self.state.finding_sel = 0;
                self.state.status = Some(format!("finding in connection {c}"));
                return true;
            }
        }
        false
    }
}
