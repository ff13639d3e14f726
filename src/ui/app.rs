//! The view's state and what each key and click does to it. Nothing here
//! touches a terminal: tests drive an [`App`] with key events and read its
//! state, and the drawing modules only read it.
//!
//! The cursor is a segment of the selected connection, the "now" every pane
//! renders. Moving it costs a few index look-ups, whatever the capture's size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::keys::{self, Action};
use super::layout::{self, contains, Areas};
pub use super::data::{PickerRows, Progress};
use super::data::search::{self, Outcome};
use super::data::{CursorFrame, Data, RowKind};
use super::theme::Theme;
use crate::tcp::SegmentRecord;
use crate::timeline::FrameStore;

/// The panes, in Tab order (and the order of the 1…6 keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Ladder,
    Dialogue,
    Nic,
    Kernel,
    Socket,
    Findings,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::Ladder,
        Pane::Dialogue,
        Pane::Nic,
        Pane::Kernel,
        Pane::Socket,
        Pane::Findings,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Pane::Ladder => "ladder",
            Pane::Dialogue => "dialogue",
            Pane::Nic => "NIC",
            Pane::Kernel => "kernel",
            Pane::Socket => "socket",
            Pane::Findings => "findings",
        }
    }
}

/// What the details overlay explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Everything known about the segment at the cursor.
    Segment,
    /// A finding, by position in `timeline.findings`.
    Finding(u32),
    /// A dialogue row of the selected connection, by position.
    Row(usize),
    /// What the kernel pane's names mean.
    Kernel,
}

/// A window over the panes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    /// The frame at the cursor as bytes, each layer's range coloured.
    Hex {
        scroll: u16,
    },
    Picker {
        sel: usize,
        filter: String,
    },
    Detail {
        what: Detail,
        scroll: u16,
    },
    Search {
        input: String,
    },
}

/// Playing speeds, ¼× to 16×.
pub const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];
/// Longest real-time wait between two segments when playing in capture time:
/// a capture with a minute of silence should not look frozen.
pub const MAX_WAIT: Duration = Duration::from_secs(3);

/// How playing advances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// As the segments came, scaled by the speed.
    Capture,
    /// One segment per tick (one second at 1×).
    Tick,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Play {
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    pub pacing: Pacing,
    /// When the next step is due.
    pub due: Option<Instant>,
}

impl Play {
    pub fn factor(&self) -> f64 {
        SPEEDS[self.speed.min(SPEEDS.len() - 1)]
    }

    /// `¼×`, `2×`.
    pub fn speed_label(&self) -> String {
        match self.speed {
            0 => "¼×".to_string(),
            1 => "½×".to_string(),
            _ => format!("{}×", self.factor()),
        }
    }
}

/// The whole view state.
pub struct App {
    pub data: Arc<Data>,
    pub store: FrameStore,
    /// Names of the capture's interfaces (pcapng), by id.
    pub interfaces: Vec<Option<String>>,
    pub theme: Theme,
    /// Selected connection (1-based; 0 when the capture has none).
    pub conn: u32,
    /// Position of the cursor segment within the connection.
    pub pos: usize,
    pub focus: Pane,
    pub overlay: Option<Overlay>,
    pub play: Play,
    /// Live capture: the cursor follows the newest segment.
    pub live: bool,
    pub follow: bool,
    pub size: Rect,
    /// A one-line message for the footer, until the next key.
    pub status: Option<String>,
    pub progress: Option<Progress>,
    /// Scrolls that are not derived from the cursor.
    pub nic_scroll: u16,
    pub socket_back: usize,
    /// First kernel row shown when the pane is too short for all of them
    /// (kept while stepping: the rows are the same at every segment).
    pub kernel_scroll: usize,
    /// Selected finding in the findings pane (index into its list).
    pub finding_sel: usize,
    pub frame: Option<CursorFrame>,
    pub last_search: Option<String>,
    /// Where an unfinished search goes on (a global segment position).
    search_resume: Option<usize>,
    /// A dialogue row picked with ↑/↓ or a click among several that end in
    /// the cursor's frame (pipelined commands, a burst of replies); cleared
    /// whenever the cursor moves.
    row_pick: Option<usize>,
    pub quit: bool,
}

impl App {
    pub fn new(data: Arc<Data>, store: FrameStore, theme: Theme, size: Rect) -> Self {
        let interfaces = store.interface_names();
        let conn = u32::from(!data.timeline.connections.is_empty());
        let mut app = App {
            data,
            store,
            interfaces,
            theme,
            conn,
            pos: 0,
            focus: Pane::Ladder,
            overlay: None,
            play: Play {
                playing: false,
                speed: 2,
                pacing: Pacing::Capture,
                due: None,
            },
            live: false,
            follow: false,
            size,
            status: None,
            progress: None,
            nic_scroll: 0,
            socket_back: 0,
            kernel_scroll: 0,
            finding_sel: 0,
            frame: None,
            last_search: None,
            search_resume: None,
            row_pick: None,
            quit: false,
        };
        app.sync();
        app
    }

    /// A live view: follows the newest segment until paused.
    pub fn live(mut self) -> Self {
        self.live = true;
        self.follow = true;
        self.goto_newest();
        self
    }

    /// The segment at the cursor.
    pub fn segment(&self) -> Option<&SegmentRecord> {
        self.data.segment(self.conn, self.pos)
    }

    pub fn cursor_frame(&self) -> Option<u64> {
        self.segment().map(|s| s.frame)
    }

    /// Segments in the selected connection.
    pub fn seg_count(&self) -> usize {
        self.data.seg_count(self.conn)
    }

    pub fn areas(&self) -> Areas {
        layout::areas(self.size, self.focus)
    }

    /// A newer analysis of the same capture (the rest indexed, or more live
    /// frames): the cursor stays on its frame.
    pub fn set_data(&mut self, data: Arc<Data>) {
        let frame = self.cursor_frame();
        self.data = data;
        if self.interfaces.is_empty() {
            self.interfaces = self.store.interface_names();
        }
        if self.live && self.follow {
            self.goto_newest();
            return;
        }
        match frame.and_then(|f| self.data.locate(f)) {
            Some((conn, pos)) => self.goto(conn, pos),
            None => {
                if self.conn == 0 || self.data.timeline.connection(self.conn).is_none() {
                    self.conn = u32::from(!self.data.timeline.connections.is_empty());
                }
                self.goto(self.conn, self.pos);
            }
        }
    }

    fn goto_newest(&mut self) {
        let last = self.data.timeline.segments.last().map(|s| s.frame);
        if let Some((conn, pos)) = last.and_then(|f| self.data.locate(f)) {
            self.goto(conn, pos);
        }
    }

    /// Moves the cursor (clamped) and refreshes what depends on it.
    pub fn goto(&mut self, conn: u32, pos: usize) {
        self.conn = conn;
        self.pos = pos.min(self.seg_count().saturating_sub(1));
        self.row_pick = None;
        self.sync();
    }

    fn step(&mut self, by: isize) {
        let target = self.pos.saturating_add_signed(by);
        self.goto(self.conn, target);
    }

    /// Refreshes the state derived from the cursor: the frame's bytes, the
    /// findings selection, the scrolls that follow the cursor.
    fn sync(&mut self) {
        self.nic_scroll = 0;
        self.socket_back = 0;
        let Some(seg) = self.segment() else {
            self.frame = None;
            return;
        };
        let number = seg.frame;
        // The finding at or before the cursor, in the findings pane's list
        // (the connection's come first, in frame order: a binary search).
        let t = &self.data.timeline;
        let own = self.data.findings_of(self.conn);
        let k = own.partition_point(|&i| {
            t.findings
                .get(i as usize)
                .is_some_and(|f| f.frame <= number)
        });
        self.finding_sel = k.saturating_sub(1);
        if self.frame.as_ref().is_some_and(|f| f.number == number) {
            return;
        }
        self.frame = Some(CursorFrame::read(&self.data, &self.store, number));
    }

    /// Length of the findings pane's list: the connection's findings, then
    /// the capture's own.
    pub fn findings_len(&self) -> usize {
        self.data.findings_of(self.conn).len() + self.data.findings_of(0).len()
    }

    /// Item `k` of the findings pane's list, as a position in `timeline.findings`.
    pub fn finding_at(&self, k: usize) -> Option<u32> {
        let own = self.data.findings_of(self.conn);
        match own.get(k) {
            Some(&i) => Some(i),
            None => self.data.findings_of(0).get(k - own.len()).copied(),
        }
    }

    /// The dialogue row at the cursor: the last one that started by now.
    pub fn row_at_cursor(&self) -> Option<usize> {
        let f = self.cursor_frame()?;
        let rows = self.data.rows_of(self.conn);
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

    /// Moves the cursor to a frame of any connection.
    pub fn goto_frame(&mut self, frame: u64) -> bool {
        if let Some((conn, pos)) = self.data.locate(frame) {
            self.goto(conn, pos);
            return true;
        }
        false
    }

    /// The cursor to the segment at or after `frame` in the connection.
    fn goto_frame_in(&mut self, conn: u32, frame: u64) {
        let idx = self.data.kernel.segments_of(conn);
        let segs = &self.data.timeline.segments;
        let pos = idx.partition_point(|&i| segs.get(i as usize).is_some_and(|s| s.frame < frame));
        self.goto(conn, pos);
    }

    // ----- keys -----

    pub fn on_key(&mut self, key: KeyEvent, now: Instant) {
        self.status = None;
        if let Some(Overlay::Search { .. }) = self.overlay {
            return self.search_key(key);
        }
        if let Some(Overlay::Picker { .. }) = self.overlay {
            return self.picker_key(key);
        }
        let Some(action) = keys::action(key) else {
            return;
        };
        self.on_action(action, now);
    }

    pub fn on_action(&mut self, action: Action, now: Instant) {
        // Stepping by hand while live stops following the newest segment.
        if self.live
            && matches!(
                action,
                Action::Prev | Action::Start | Action::NextFinding | Action::PrevFinding
            )
        {
            self.follow = false;
        }
        if self.overlay.is_some() && self.overlay_action(action) {
            return;
        }
        match action {
            Action::Prev => self.step(-1),
            Action::Next => self.step(1),
            Action::Up => self.pane_move(-1),
            Action::Down => self.pane_move(1),
            Action::PageUp => self.pane_move(-(self.page() as isize)),
            Action::PageDown => self.pane_move(self.page() as isize),
            Action::Start => self.goto(self.conn, 0),
            Action::End => {
                self.goto(self.conn, usize::MAX);
                if self.live {
                    self.follow = true;
                    self.goto_newest();
                }
            }
            Action::PlayPause => self.play_pause(now),
            Action::Faster => {
                self.play.speed = (self.play.speed + 1).min(SPEEDS.len() - 1);
                self.status = Some(format!("speed {}", self.play.speed_label()));
                self.reschedule(now);
            }
            Action::Slower => {
                self.play.speed = self.play.speed.saturating_sub(1);
                self.status = Some(format!("speed {}", self.play.speed_label()));
                self.reschedule(now);
            }
            Action::Pacing => {
                self.play.pacing = match self.play.pacing {
                    Pacing::Capture => Pacing::Tick,
                    Pacing::Tick => Pacing::Capture,
                };
                self.status = Some(match self.play.pacing {
                    Pacing::Capture => "playing in capture time".to_string(),
                    Pacing::Tick => "playing one segment per tick".to_string(),
                });
                self.reschedule(now);
            }
            Action::NextFinding => self.finding_jump(true),
            Action::PrevFinding => self.finding_jump(false),
            Action::Picker => {
                self.overlay = Some(Overlay::Picker {
                    sel: (self.conn as usize).saturating_sub(1),
                    filter: String::new(),
                })
            }
            Action::Search => {
                self.overlay = Some(Overlay::Search {
                    input: String::new(),
                })
            }
            Action::FocusNext => self.focus = Pane::ALL[(self.focus.index() + 1) % 6],
            Action::FocusPrev => self.focus = Pane::ALL[(self.focus.index() + 5) % 6],
            Action::Focus(p) => self.focus = p,
            Action::Enter => self.enter(),
            Action::Narration => {
                self.overlay = Some(Overlay::Detail {
                    what: Detail::Segment,
                    scroll: 0,
                })
            }
            Action::Back => {
                if self.play.playing {
                    self.play.playing = false;
                    self.play.due = None;
                }
            }
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Quit => self.quit = true,
        }
    }

    /// Keys inside an overlay; false lets the key through to the panes
    /// (stepping with ←/→ under the hex view follows the cursor).
    fn overlay_action(&mut self, action: Action) -> bool {
        let Some(overlay) = &mut self.overlay else {
            return false;
        };
        let scroll = match overlay {
            Overlay::Help { scroll } | Overlay::Hex { scroll } | Overlay::Detail { scroll, .. } => {
                scroll
            }
            _ => return false,
        };
        match action {
            Action::Up => *scroll = scroll.saturating_sub(1),
            Action::Down => *scroll = scroll.saturating_add(1),
            Action::PageUp => *scroll = scroll.saturating_sub(10),
            Action::PageDown => *scroll = scroll.saturating_add(10),
            Action::Back | Action::Enter => self.overlay = None,
            Action::Help => {
                self.overlay = match self.overlay {
                    Some(Overlay::Help { .. }) => None,
                    _ => Some(Overlay::Help { scroll: 0 }),
                }
            }
            Action::Prev | Action::Next | Action::Start | Action::End => {
                *scroll = 0;
                return false;
            }
            Action::Quit | Action::PlayPause | Action::Faster | Action::Slower => return false,
            Action::NextFinding | Action::PrevFinding => return false,
            _ => {}
        }
        true
    }

    fn page(&self) -> usize {
        let h = self.areas().pane(self.focus).map_or(10, |r| r.height);
        let lines = usize::from(h.saturating_sub(3)).max(1);
        if self.focus == Pane::Ladder {
            (lines / 2).max(1)
        } else {
            lines
        }
    }

    /// ↑/↓ in the focused pane.
    fn pane_move(&mut self, by: isize) {
        match self.focus {
            Pane::Ladder => self.step(by),
            Pane::Dialogue => {
                let rows = self.data.rows_of(self.conn);
                if rows.is_empty() {
                    self.status = Some("this connection has no SMTP or POP3 dialogue".into());
                    return;
                }
                let cur = self.row_at_cursor();
                let target = match cur {
                    Some(c) => c.saturating_add_signed(by).min(rows.len() - 1),
                    None if by > 0 => 0,
                    None => return,
                };
                let frame = rows[target].last;
                self.goto_frame_in(self.conn, frame);
                self.row_pick = Some(target);
            }
            Pane::Nic => self.nic_scroll = self.nic_scroll.saturating_add_signed(by as i16),
            Pane::Socket => self.socket_back = self.socket_back.saturating_add_signed(-by),
            Pane::Kernel => {
                let max = super::kernel::ROWS.len().saturating_sub(1);
                self.kernel_scroll = self.kernel_scroll.saturating_add_signed(by).min(max);
            }
            Pane::Findings => {
                let n = self.findings_len();
                if n == 0 {
                    return;
                }
                let sel = self.finding_sel.saturating_add_signed(by).min(n - 1);
                self.select_finding(sel);
            }
        }
    }

    fn select_finding(&mut self, sel: usize) {
        let Some(f) = self
            .finding_at(sel)
            .and_then(|i| self.data.timeline.findings.get(i as usize))
        else {
            return;
        };
        let (conn, frame) = (f.conn, f.frame);
        if !self.goto_frame(frame) && conn != 0 {
            self.goto_frame_in(conn, frame);
        }
        // Several findings can share a frame: keep the one chosen.
        self.finding_sel = sel;
    }

    /// n / N: the next or previous finding, in this connection first, then in
    /// the connections after (before) it.
    fn finding_jump(&mut self, forward: bool) {
        let Some(here) = self.cursor_frame() else {
            return;
        };
        let t = &self.data.timeline;
        let frame_of = |i: u32| t.findings.get(i as usize).map_or(0, |f| f.frame);
        let own = self.data.findings_of(self.conn);
        // Several findings at one frame (the ccNotes HELO has two) are
        // visited one by one: from the selected one when it is at the cursor.
        let selected_here = own
            .get(self.finding_sel)
            .is_some_and(|&i| frame_of(i) == here);
        let hit = if selected_here {
            let k = if forward {
                self.finding_sel.checked_add(1)
            } else {
                self.finding_sel.checked_sub(1)
            };
            k.and_then(|k| own.get(k)).copied()
        } else if forward {
            let k = own.partition_point(|&i| frame_of(i) <= here);
            own.get(k).copied()
        } else {
            let k = own.partition_point(|&i| frame_of(i) < here);
            k.checked_sub(1).and_then(|k| own.get(k)).copied()
        };
        if let Some(i) = hit {
            // Its place in the list: the connection's own come first.
            let sel = own.iter().position(|&x| x == i).unwrap_or(0);
            self.select_finding(sel);
            return;
        }
        // Other connections, in order.
        let n = t.connections.len() as u32;
        let others: Box<dyn Iterator<Item = u32>> = if forward {
            Box::new(self.conn + 1..=n)
        } else {
            Box::new((1..self.conn).rev())
        };
        for c in others {
            let list = self.data.findings_of(c);
            let pick = if forward { list.first() } else { list.last() };
            if let Some(&i) = pick {
                let frame = frame_of(i);
                if !self.goto_frame(frame) {
                    self.goto_frame_in(c, frame);
                }
                self.finding_sel = 0;
                self.status = Some(format!("finding in connection {c}"));
                return;
            }
        }
        self.status = Some(if forward {
            "no later finding".to_string()
        } else {
            "no earlier finding".to_string()
        });
    }

    fn enter(&mut self) {
        let what = match self.focus {
            Pane::Nic => {
                self.overlay = Some(Overlay::Hex { scroll: 0 });
                return;
            }
            Pane::Ladder | Pane::Socket => Detail::Segment,
            Pane::Kernel => Detail::Kernel,
            Pane::Dialogue => match self.row_at_cursor() {
                Some(r) => Detail::Row(r),
                None => Detail::Segment,
            },
            Pane::Findings => match self.finding_at(self.finding_sel) {
                Some(i) => Detail::Finding(i),
                None => return,
            },
        };
        self.overlay = Some(Overlay::Detail { what, scroll: 0 });
    }

    // ----- playing -----

    fn play_pause(&mut self, now: Instant) {
        if self.live {
            self.follow = !self.follow;
            if self.follow {
                self.goto_newest();
            }
            self.status = Some(if self.follow {
                "following the newest segment".to_string()
            } else {
                "paused: the capture goes on".to_string()
            });
            return;
        }
        self.play.playing = !self.play.playing;
        if self.play.playing {
            if self.pos + 1 >= self.seg_count() {
                self.goto(self.conn, 0);
            }
            self.reschedule(now);
        } else {
            self.play.due = None;
        }
    }

    /// When the next step is due, from the gap to the next segment.
    fn reschedule(&mut self, now: Instant) {
        if !self.play.playing {
            return;
        }
        let wait = match self.play.pacing {
            Pacing::Tick => Duration::from_secs_f64(1.0 / self.play.factor()),
            Pacing::Capture => {
                let gap = match (self.segment(), self.data.segment(self.conn, self.pos + 1)) {
                    (Some(a), Some(b)) => b.time.nanos_since(a.time).max(0),
                    _ => 0,
                };
                Duration::from_secs_f64(gap as f64 / 1e9 / self.play.factor()).min(MAX_WAIT)
            }
        };
        self.play.due = Some(now + wait);
    }

    /// Time passing: plays the next segment when it is due. True when the
    /// screen changed.
    pub fn tick(&mut self, now: Instant) -> bool {
        if !self.play.playing {
            return false;
        }
        let Some(due) = self.play.due else {
            self.reschedule(now);
            return false;
        };
        if now < due {
            return false;
        }
        if self.pos + 1 >= self.seg_count() {
            self.play.playing = false;
            self.play.due = None;
            self.status = Some("end of the connection".to_string());
            return true;
        }
        self.step(1);
        self.reschedule(now);
        true
    }

    /// How long the event loop may sleep.
    pub fn next_wake(&self, now: Instant) -> Option<Duration> {
        self.play
            .due
            .filter(|_| self.play.playing)
            .map(|d| d.saturating_duration_since(now))
    }

    // ----- search -----

    fn search_key(&mut self, key: KeyEvent) {
        let Some(Overlay::Search { input }) = &mut self.overlay else {
            return;
        };
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        match key.code {
            KeyCode::Esc => self.overlay = None,
            KeyCode::Backspace => {
                input.pop();
            }
            KeyCode::Enter => {
                let query = if input.is_empty() {
                    self.last_search.clone().unwrap_or_default()
                } else {
                    std::mem::take(input)
                };
                self.overlay = None;
                if query.is_empty() {
                    return;
                }
                if self.last_search.as_deref() != Some(&query) {
                    self.search_resume = None;
                }
                self.last_search = Some(query.clone());
                self.run_search(&query);
            }
            KeyCode::Char(c) if input.chars().count() < 200 => input.push(c),
            _ => {}
        }
    }

    fn run_search(&mut self, query: &str) {
        let from = self.search_resume.take().unwrap_or_else(|| {
            self.data
                .kernel
                .segments_of(self.conn)
                .get(self.pos)
                .map_or(0, |&i| i as usize + 1)
        });
        match search::find(&self.data, &self.store, query, from, search::BUDGET) {
            Outcome::Found { segment, what } => {
                let frame = self.data.timeline.segments.get(segment).map(|s| s.frame);
                if let Some(f) = frame {
                    self.goto_frame(f);
                }
                self.status = Some(format!(
                    "\"{}\" found in {what} (/ ⏎ for the next)",
                    crate::text::escape_str(query)
                ));
            }
            Outcome::NotFound => {
                self.status = Some(format!(
                    "\"{}\" is nowhere in the capture's commands, replies or payloads",
                    crate::text::escape_str(query)
                ))
            }
            Outcome::Stopped { next } => {
                self.search_resume = Some(next);
                let frame = self.data.timeline.segments.get(next).map_or(0, |s| s.frame);
                self.status = Some(format!(
                    "searched up to frame {frame}, not found yet: / ⏎ searches on"
                ));
            }
        }
    }

    // ----- connection picker -----

    /// Connections the picker shows for a filter.
    pub fn picker_rows(&self, filter: &str) -> PickerRows {
        self.data.picker_rows(filter)
    }

    fn picker_key(&mut self, key: KeyEvent) {
        let Some(Overlay::Picker { sel, filter }) = &mut self.overlay else {
            return;
        };
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        let (mut s, mut f) = (*sel, std::mem::take(filter));
        let rows = self.picker_rows(&f);
        let last = rows.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => {
                self.overlay = None;
                return;
            }
            KeyCode::Up => s = s.saturating_sub(1),
            KeyCode::Down => s = (s + 1).min(last),
            KeyCode::PageUp => s = s.saturating_sub(10),
            KeyCode::PageDown => s = (s + 10).min(last),
            KeyCode::Home => s = 0,
            KeyCode::End => s = last,
            KeyCode::Enter => {
                self.overlay = None;
                if let Some(id) = rows.get(s) {
                    self.open_connection(id);
                }
                return;
            }
            KeyCode::Backspace => {
                f.pop();
                s = 0;
            }
            KeyCode::Char(c) if f.chars().count() < 60 => {
                f.push(c);
                s = 0;
            }
            _ => {}
        }
        self.overlay = Some(Overlay::Picker { sel: s, filter: f });
    }

    pub fn open_connection(&mut self, id: u32) {
        self.follow = false;
        self.goto(id, 0);
        self.status = Some(format!("connection {id}"));
    }

    // ----- mouse -----

    pub fn on_mouse(&mut self, m: MouseEvent, now: Instant) {
        let (x, y) = (m.column, m.row);
        let a = self.areas();
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = m.kind == MouseEventKind::ScrollDown;
                let action = if down { Action::Down } else { Action::Up };
                if self.overlay.is_some() {
                    if let Some(Overlay::Picker { sel, .. }) = &mut self.overlay {
                        *sel = if down {
                            *sel + 1
                        } else {
                            sel.saturating_sub(1)
                        };
                        return;
                    }
                    self.on_action(action, now);
                    return;
                }
                if let Some(p) = a.pane_at(x, y) {
                    let keep = self.focus;
                    self.focus = p;
                    self.pane_move(if down { 1 } else { -1 });
                    self.focus = keep;
                } else if contains(a.strip, x, y) {
                    self.step(if down { 1 } else { -1 });
                }
            }
            MouseEventKind::Down(MouseButton::Left) => self.click(&a, x, y),
            _ => {}
        }
    }

    fn click(&mut self, a: &Areas, x: u16, y: u16) {
        if let Some(Overlay::Picker { filter, .. }) = &self.overlay {
            let rows = self.picker_rows(filter);
            let area = super::picker::area(self.size);
            if let Some(i) = super::picker::row_at(self, area, y, &rows) {
                if let Some(id) = rows.get(i) {
                    self.overlay = None;
                    self.open_connection(id);
                }
            } else if !contains(area, x, y) {
                self.overlay = None;
            }
            return;
        }
        if self.overlay.is_some() {
            self.overlay = None;
            return;
        }
        if let Some(tabs) = a.tabs.filter(|r| contains(*r, x, y)) {
            if let Some(p) = super::tabs_hit(tabs, x) {
                self.focus = p;
            }
            return;
        }
        if contains(a.narration, x, y) {
            self.overlay = Some(Overlay::Detail {
                what: Detail::Segment,
                scroll: 0,
            });
            return;
        }
        if contains(a.strip, x, y) {
            let col = x.saturating_sub(a.strip.x);
            let frame = super::strip::frame_at(self, a.strip.width, col);
            if let Some(f) = frame {
                self.follow = false;
                if !self.goto_frame(f) {
                    self.status = Some(format!("frame {f} is not a TCP segment"));
                }
            }
            return;
        }
        let Some(p) = a.pane_at(x, y) else { return };
        self.focus = p;
        let Some(area) = a.pane(p) else { return };
        match p {
            Pane::Ladder => {
                if let Some(pos) = super::ladder::segment_at(self, area, y) {
                    self.follow = false;
                    self.goto(self.conn, pos);
                }
            }
            Pane::Dialogue => {
                if let Some(row) = super::dialogue::row_at(self, area, y) {
                    if let Some(r) = self.data.rows_of(self.conn).get(row) {
                        let frame = r.last;
                        self.follow = false;
                        self.goto_frame_in(self.conn, frame);
                        self.row_pick = Some(row);
                    }
                }
            }
            Pane::Findings => {
                if let Some(i) = super::findings::item_at(self, area, y) {
                    self.select_finding(i);
                }
            }
            _ => {}
        }
    }

    /// The dialogue row a kind refers to, for drawing.
    pub fn row_kind(&self, row: usize) -> Option<RowKind> {
        self.data.rows_of(self.conn).get(row).map(|r| r.kind)
    }
}
