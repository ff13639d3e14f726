//! The top-level object of the view: the analysed capture, where its frames
//! are read back from, the theme, the frame at the cursor (read and decoded
//! once per move), and the [`ViewState`]. Events come in here — a key
//! becomes an action ([`super::keys`]), so does a click (`ui::mouse`), and
//! `ui::update` applies it — and the screen goes out through [`draw`].
//! Nothing here touches a terminal: tests drive an [`App`] with events and
//! read its state or an in-memory render ([`render_text`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;
use ratatui::Frame;

use super::action::Action;
use super::data::{CursorFrame, Data, LessonBook, PaneData};
use super::layout::Areas;
use super::state::{Overlay, ViewState};
use super::theme::Theme;
use super::update::Update;
use super::{keys, mouse, panes};
use crate::tcp::SegmentRecord;
use crate::timeline::FrameStore;

/// The view: what it shows and what the user is looking at.
pub struct App {
    pub data: Arc<Data>,
    pub store: FrameStore,
    /// Names of the capture's interfaces (pcapng), by id.
    pub interfaces: Vec<Option<String>>,
    pub theme: Theme,
    /// The frame at the cursor, read back from the capture.
    pub frame: Option<CursorFrame>,
    pub state: ViewState,
    /// The follow-stream view's bytes, read back while it is open.
    pub stream: Option<super::data::stream::StreamView>,
    /// The lesson being played, with its captures (`data` and `store` are
    /// the one its current step shows).
    pub lesson: Option<LessonBook>,
}

impl App {
    pub fn new(data: Arc<Data>, store: FrameStore, theme: Theme, size: Rect) -> Self {
        let interfaces = store.interface_names();
        let state = ViewState::new(&data, size);
        let mut app = App {
            data,
            store,
            interfaces,
            theme,
            frame: None,
            state,
            stream: None,
            lesson: None,
        };
        app.change(|u| u.sync());
        app
    }

    /// A live view: follows the newest segment until paused.
    pub fn live(mut self) -> Self {
        self.state.live = true;
        self.state.follow = true;
        self.change(|u| u.goto_newest());
        self
    }

    /// Changes the state, then reads the frame the cursor is on now.
    pub(super) fn change<R>(&mut self, f: impl FnOnce(&mut Update<'_>) -> R) -> R {
        let r = f(&mut Update {
            state: &mut self.state,
            data: &self.data,
            store: &self.store,
        });
        match self.state.cursor_frame(&self.data) {
            None => self.frame = None,
            Some(n) if self.frame.as_ref().is_some_and(|f| f.number == n) => {}
            Some(n) => self.frame = Some(CursorFrame::read(&self.data, &self.store, n)),
        }
        // The follow-stream view reads the bytes it shows, once per scroll.
        match self.state.overlay {
            Some(Overlay::Stream { from }) => {
                let from = from.min(self.data.seg_count(self.state.conn).saturating_sub(1));
                let fresh = self
                    .stream
                    .as_ref()
                    .is_none_or(|v| v.conn != self.state.conn || v.from != from);
                if fresh {
                    self.stream = Some(super::data::stream::StreamView::read(
                        &self.data,
                        &self.store,
                        self.state.conn,
                        from,
                    ));
                }
            }
            _ => self.stream = None,
        }
        // The NIC pane's selection stays on a row the frame has.
        let rows = panes::nic::rows(&self.state, &self.pane_data()).0.len();
        self.state.nic_field = self.state.nic_field.min(rows.saturating_sub(1));
        r
    }

    /// What the panes read.
    pub fn pane_data(&self) -> PaneData<'_> {
        PaneData {
            data: &self.data,
            frame: self.frame.as_ref(),
            interfaces: &self.interfaces,
            lesson: self.lesson.as_ref(),
            stream: self.stream.as_ref(),
        }
    }

    /// A newer analysis of the same capture (the rest indexed, or more live
    /// frames): the cursor stays on its frame.
    pub fn set_data(&mut self, data: Arc<Data>) {
        let frame = self.cursor_frame();
        self.data = data;
        if self.interfaces.is_empty() {
            self.interfaces = self.store.interface_names();
        }
        self.change(|u| u.relocate(frame));
    }

    pub fn on_key(&mut self, key: KeyEvent, now: Instant) {
        self.state.status = None;
        // While the search line or the picker's filter is open, letters
        // are text.
        if let Some(Overlay::Search { .. } | Overlay::Picker { .. }) = self.state.overlay {
            if let Some(action) = keys::text_action(key) {
                self.change(|u| u.type_key(action));
            }
            return;
        }
        if self.question_waits() {
            if let Some(action) = keys::answer_key(key) {
                self.on_action(action, now);
                return;
            }
        }
        if let Some(action) = keys::action(key) {
            self.on_action(action, now);
        }
    }

    pub fn on_action(&mut self, action: Action, now: Instant) {
        if self.lesson_action(action) {
            return;
        }
        self.change(|u| u.apply(action, now));
    }

    pub fn on_mouse(&mut self, m: MouseEvent, now: Instant) {
        let action = mouse::action(m, &self.state, &self.pane_data(), &self.theme);
        if let Some(action) = action {
            self.on_action(action, now);
        }
    }

    /// Time passing: plays the next segment when it is due. True when the
    /// screen changed.
    pub fn tick(&mut self, now: Instant) -> bool {
        self.change(|u| u.tick(now))
    }

    /// How long the event loop may sleep.
    pub fn next_wake(&self, now: Instant) -> Option<Duration> {
        self.state.play.next_wake(now)
    }

    /// Moves the cursor (clamped).
    pub fn goto(&mut self, conn: u32, pos: usize) {
        self.change(|u| u.goto(conn, pos));
    }

    /// Moves the cursor to a frame of any connection.
    pub fn goto_frame(&mut self, frame: u64) -> bool {
        self.change(|u| u.goto_frame(frame))
    }

    pub fn open_connection(&mut self, id: u32) {
        self.change(|u| u.open_connection(id));
    }

    /// The segment at the cursor.
    pub fn segment(&self) -> Option<&SegmentRecord> {
        self.state.segment(&self.data)
    }

    pub fn cursor_frame(&self) -> Option<u64> {
        self.state.cursor_frame(&self.data)
    }

    /// Segments in the selected connection.
    pub fn seg_count(&self) -> usize {
        self.state.seg_count(&self.data)
    }

    /// The dialogue row at the cursor.
    pub fn row_at_cursor(&self) -> Option<usize> {
        self.state.row_at_cursor(&self.data)
    }

    pub fn areas(&self) -> Areas {
        self.state.areas()
    }
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    panes::draw(f, &app.state, &app.pane_data(), &app.theme);
}

/// Draws the app on an in-memory terminal of `width`×`height` and returns
/// the screen as text, one line per row (tests and snapshots read this).
pub fn render_text(app: &mut App, width: u16, height: u16) -> String {
    let buffer = render_buffer(app, width, height);
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Draws the app on an in-memory terminal and returns its cells.
pub fn render_buffer(app: &mut App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let backend = ratatui::backend::TestBackend::new(width, height);
    app.state.size = Rect::new(0, 0, width, height);
    let mut terminal = match ratatui::Terminal::new(backend) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    match terminal.draw(|f| draw(f, app)) {
        Ok(_) => {}
        Err(e) => match e {},
    }
    terminal.backend().buffer().clone()
}
